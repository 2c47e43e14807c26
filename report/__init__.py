"""The Secretariat's report on the replies (``mispa report``) and the compendium (``mispa compendium``).

``stats`` computes the figures from the catalog, ``render`` prints them as text, Markdown, JSON or
CSV, and ``compendium`` writes the Word compendium (and converts it to PDF with LibreOffice).
Imports go one way: report uses ingest and classify; only search_cli imports report.
"""

from __future__ import annotations

from .render import render
from .stats import Entry, Filters, Report, ReportError, build_report, parse_date

__all__ = ["Entry", "Filters", "Report", "ReportError", "build_report", "parse_date", "render"]
