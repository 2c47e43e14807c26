"""The compendium of programs, lessons learned and best practices, as a Word document.

Layout: a title page; the statistics (the Secretariat's paragraphs, a bar chart of sections per
pillar by kind drawn with matplotlib's Agg backend, tables); a table of contents; the national
plans; then one chapter per pillar with one sub-chapter per thematic area, holding each practice,
program and lesson (title, Member State, responsible institution, key fields, contact), and last
the untagged sections, listed apart.

A section is written out once under each of its pillars: in the first of its thematic areas that
belongs to that pillar (or under "Other contributions to this pillar" when it has none there); the
pillar's other areas it is tagged with carry a "See also" line pointing to it. Field labels are
the questionnaire's own, in the reply's language (``ingest/data/labels.toml``); field values are
the reply's text, as written.

The table of contents is a Word TOC field whose current result lists the chapters, so it reads
the same in every viewer with no "update fields" prompt; Word refreshes it (with page numbers) on
"Update field".
"""

from __future__ import annotations

import io
import re
import tomllib
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from .render import (KIND_NOUNS, area_label, empty_message, filter_note, long_date, paragraphs, pillar_label,
                     review_sentence)
from .stats import CONTRIBUTION_KINDS, Entry, Report

TITLE = "Compendium of best practices and national experiences in public security in the Americas"
KIND_ORDER = ("practice", "program", "lesson")  # the order entries appear in each area
KEY_FIELDS = ("objective", "needs", "target_population", "description", "lines_of_action", "problem",
              "causes", "actions", "results", "evaluation", "transfer", "link")
PLAN_FIELDS = ("period", "threats", "strategies", "results", "link")
CONTACT_FIELDS = ("contact_person", "job_title", "phone", "email")
OTHER_AREA = "Other contributions to this pillar"
CHART_COLORS = {"program": "#1f5f8b", "lesson": "#e0a030", "practice": "#3c9a5f"}
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class CompendiumError(Exception):
    "The compendium could not be written"


def write_compendium(report: Report, out: Path) -> Path:
    """Write the compendium of ``report``'s sections to ``out`` (.docx) and return the path."""
    from docx import Document
    from docx.enum.text import WD_BREAK

    doc = Document()
    doc.core_properties.title = TITLE
    doc.core_properties.author = "OAS Department of Public Security (mispa)"
    _title_page(doc, report)
    message = empty_message(report)
    if message:
        doc.add_paragraph(_clean(message))
    else:
        _statistics(doc, report)
        doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        _contents(doc, report)
        doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        _plans(doc, report)
        for pillar in report.pillars:
            _pillar_chapter(doc, report, int(pillar))
        _untagged(doc, report)
    out = Path(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        doc.save(str(out))
    except OSError as exc:
        raise CompendiumError(f"cannot write {out}: {exc}") from exc
    return out


# ---------------------------------------------------------------------------- front matter


def _title_page(doc: Any, report: Report) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK

    for _ in range(6):
        doc.add_paragraph()
    doc.add_paragraph(TITLE, style="Title").alignment = WD_ALIGN_PARAGRAPH.CENTER
    lines = ["Programs, lessons learned and best practices reported by the Member States",
             "Organization of American States · Secretariat for Multidimensional Security · "
             "Department of Public Security",
             f"As of {long_date(report.as_of)}", filter_note(report)]
    for line in filter(None, lines):
        doc.add_paragraph(_clean(line)).alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _statistics(doc: Any, report: Report) -> None:
    from docx.shared import Inches

    doc.add_heading("Statistics", level=1)
    for text in paragraphs(report):
        doc.add_paragraph(_clean(text))
    doc.add_picture(io.BytesIO(chart_png(report)), width=Inches(6.2))
    doc.add_paragraph("Figure 1. Programs, lessons learned and best practices per pillar, by kind "
                      "(a section related to several pillars is counted under each).", style="Caption")
    rows = [[pillar_label(report, p), *_kind_counts(report, int(p)).values(), n]
            for p, n in report.pillars.items()]
    untagged = {k: sum(1 for e in report.untagged if e.kind == k) for k in CONTRIBUTION_KINDS}
    rows.append(["Untagged", *untagged.values(), len(report.untagged)])
    _table(doc, ["Pillar", *(KIND_NOUNS[k][1].capitalize() for k in CONTRIBUTION_KINDS), "Total"], rows,
           [2.6, 1.0, 1.0, 1.0, 0.8])
    doc.add_paragraph()
    state_rows = [[state, *row["kinds"].values(), *row["pillars"].values()]
                  for state, row in report.by_state.items()]
    _table(doc, ["Member State", "Plans", "Programs", "Lessons", "Practices",
                 *(f"P{p}" for p in report.pillars)], state_rows,
           [1.4, 0.6, 0.82, 0.75, 0.82, *([0.42] * len(report.pillars))])
    doc.add_paragraph(review_sentence(report))


def _kind_counts(report: Report, pillar: int) -> dict[str, int]:
    return {k: sum(1 for e in report.entries if e.kind == k and pillar in e.pillars)
            for k in CONTRIBUTION_KINDS}


def _table(doc: Any, headers: list[str], rows: list[list[Any]], inches: list[float]) -> None:
    """A grid table with these column widths, in small type."""
    from docx.shared import Inches, Pt

    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.autofit = False
    widths = [Inches(w) for w in inches]
    for cell, text in zip(table.rows[0].cells, headers):
        cell.text = ""
        cell.paragraphs[0].add_run(_clean(str(text))).bold = True
    for row in rows:
        for cell, value in zip(table.add_row().cells, row):
            cell.text = _clean(str(value))
    for column, width in zip(table.columns, widths):
        column.width = width
        for cell in column.cells:
            cell.width = width
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.space_after = Pt(0)
                for run in paragraph.runs:
                    run.font.size = Pt(8 if run.bold else 9)


def chart_png(report: Report) -> bytes:
    """A stacked bar chart (PNG) of programs, lessons and practices per pillar, plus untagged."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    labels = [f"Pillar {p}" for p in report.pillars]
    counts = {k: [_kind_counts(report, int(p))[k] for p in report.pillars] for k in CONTRIBUTION_KINDS}
    if report.untagged:
        labels.append("Untagged")
        for k in CONTRIBUTION_KINDS:
            counts[k].append(sum(1 for e in report.untagged if e.kind == k))
    figure = Figure(figsize=(7.5, 3.8), dpi=150)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    bottom = [0] * len(labels)
    for kind in CONTRIBUTION_KINDS:
        axes.bar(labels, counts[kind], bottom=bottom, label=KIND_NOUNS[kind][1].capitalize(),
                 color=CHART_COLORS[kind])
        bottom = [b + c for b, c in zip(bottom, counts[kind])]
    axes.set_ylabel("Sections")
    axes.set_title("Sections per pillar by kind")
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.legend(frameon=False, fontsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buf = io.BytesIO()
    figure.savefig(buf, format="png")
    return buf.getvalue()


def _contents(doc: Any, report: Report) -> None:
    """A TOC field (levels 1-2) whose cached result already lists the chapters."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc.add_paragraph("Contents", style="TOC Heading")
    entries = list(_outline(report))
    first = doc.add_paragraph()
    _field_char(first, "begin")
    instr = OxmlElement("w:instrText", {qn("xml:space"): "preserve"})
    instr.text = ' TOC \\o "1-2" \\h \\z \\u '
    first.add_run()._r.append(instr)
    _field_char(first, "separate")
    paragraph = first
    for n, (level, text) in enumerate(entries):
        if n:
            paragraph = doc.add_paragraph()
        paragraph.paragraph_format.left_indent = Pt(18 * (level - 1))
        paragraph.paragraph_format.space_after = Pt(2 if level > 1 else 4)
        paragraph.add_run(_clean(text)).bold = level == 1
    _field_char(doc.add_paragraph(), "end")


def _field_char(paragraph: Any, kind: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    paragraph.add_run()._r.append(OxmlElement("w:fldChar", {qn("w:fldCharType"): kind}))


def _outline(report: Report) -> Iterator[tuple[int, str]]:
    """The level-1 and level-2 headings the document will have, in order."""
    if any(e.kind == "plan" for e in report.entries):
        yield 1, "National plans"
    for pillar in report.pillars:
        yield 1, pillar_label(report, pillar)
        for code, area_title, _ in _areas(report, int(pillar)):
            yield 2, area_title
    if report.untagged:
        yield 1, "Untagged contributions"


# ---------------------------------------------------------------------------- chapters


def _plans(doc: Any, report: Report) -> None:
    plans = [e for e in report.entries if e.kind == "plan"]
    if not plans:
        return
    doc.add_heading("National plans", level=1)
    doc.add_paragraph("National Plans on Public Security, or their equivalent, as the Member States "
                      "described them. Plans are not counted in the pillar figures.")
    for entry in sorted(plans, key=lambda e: (e.member_state or "~", e.title)):
        _entry(doc, entry, PLAN_FIELDS)


def _areas(report: Report, pillar: int) -> list[tuple[str, str, list[Entry]]]:
    """(code, heading, entries written in full there) for each area of a pillar, then "other"."""
    placed: dict[str, list[Entry]] = {}
    for entry in _contributions(report, pillar):
        home = next((c for c in entry.themes if report.taxonomy.areas[c].pillar == pillar), "")
        placed.setdefault(home, []).append(entry)
    areas = [(code, area_label(report, code), placed.get(code, []))
             for code, area in report.taxonomy.areas.items() if area.pillar == pillar]
    if placed.get(""):
        areas.append(("", OTHER_AREA, placed[""]))
    return areas


def _contributions(report: Report, pillar: int) -> list[Entry]:
    found = [e for e in report.entries if e.kind in CONTRIBUTION_KINDS and pillar in e.pillars]
    return sorted(found, key=lambda e: (KIND_ORDER.index(e.kind), e.member_state or "~", e.title))


def _pillar_chapter(doc: Any, report: Report, pillar: int) -> None:
    doc.add_heading(_clean(pillar_label(report, str(pillar))), level=1)
    areas = _areas(report, pillar)
    home = {e.id: title for _, title, entries in areas for e in entries}
    for code, title, entries in areas:
        doc.add_heading(_clean(title), level=2)
        for entry in entries:
            _entry(doc, entry, KEY_FIELDS)
        see_also = [e for e in _contributions(report, pillar)
                    if code and code in e.themes and home.get(e.id) != title]
        for entry in see_also:
            doc.add_paragraph(_clean(f"See also: {entry.title} ({entry.member_state or 'unknown'}, "
                                     f"{KIND_NOUNS[entry.kind][0]}), under {home[entry.id]}."))
        if not entries and not see_also:
            doc.add_paragraph("No contributions in this area yet.")


def _untagged(doc: Any, report: Report) -> None:
    if not report.untagged:
        return
    doc.add_heading("Untagged contributions", level=1)
    doc.add_paragraph("Programs, lessons learned and best practices not yet related to any pillar.")
    for entry in sorted(report.untagged, key=lambda e: (KIND_ORDER.index(e.kind), e.member_state or "~")):
        _entry(doc, entry, KEY_FIELDS)


def _entry(doc: Any, entry: Entry, fields: tuple[str, ...]) -> None:
    """One section: its title, who reported it, its key fields and its contact."""
    lang = entry.language or "en"
    doc.add_heading(_clean(entry.title or "(untitled)"), level=3)
    meta = doc.add_paragraph()
    meta.add_run(_clean(f"{entry.member_state or '(unknown Member State)'} · {KIND_NOUNS[entry.kind][0]}"
                        f" · {lang} · ID {entry.id}")).italic = True
    if entry.institution:
        _labelled(doc, label("institution", lang), entry.institution)
    shown = [f for f in fields if entry.fields.get(f, "").strip()]
    for name in shown:
        _labelled(doc, label(name, lang), entry.fields[name])
    if not shown and entry.kind != "plan" and _body(entry):
        for chunk in _chunks(_body(entry)):
            doc.add_paragraph(_clean(chunk))
    contact = [f"{label(f, lang)}: {getattr(entry, f)}" for f in CONTACT_FIELDS if getattr(entry, f)]
    if contact:
        doc.add_paragraph(_clean(" · ".join(contact)))


def _labelled(doc: Any, name: str, value: str) -> None:
    chunks = _chunks(value)
    first = doc.add_paragraph()
    first.add_run(_clean(f"{name}: ")).bold = True
    first.add_run(_clean(chunks[0] if chunks else ""))
    for chunk in chunks[1:]:
        doc.add_paragraph(_clean(chunk))


def _body(entry: Entry) -> str:
    """A narrative section's own text (its title left out), for replies with no questionnaire fields."""
    text = entry.text.strip()
    return text[len(entry.title):].lstrip(" .:\n") if entry.title and text.startswith(entry.title) else text


def _chunks(text: str) -> list[str]:
    return [" ".join(part.split()) for part in re.split(r"\n\s*\n", text or "") if part.strip()]


def _clean(text: str) -> str:
    """Text python-docx accepts: no XML-illegal control characters."""
    return _NOT_XML.sub("", text)


def label(field_name: str, lang: str) -> str:
    """The questionnaire's label for a field, in ``lang`` ("results", "es" -> "Resultados alcanzados")."""
    names = _labels().get(field_name, {})
    return names.get(lang) or names.get("en") or field_name.replace("_", " ").capitalize()


@lru_cache(maxsize=1)
def _labels() -> dict[str, dict[str, str]]:
    from ingest.labels import DATA

    with open(Path(DATA) / "labels.toml", "rb") as f:
        data = tomllib.load(f)
    return {name: {lang: variants[0] for lang, variants in langs.items() if variants}
            for name, langs in data["fields"].items()}


# ---------------------------------------------------------------------------- PDF


class ConverterMissing(CompendiumError):
    "LibreOffice (soffice) is not installed: cannot convert the compendium to PDF"


def convert_to_pdf(docx_path: Path, *, timeout: float = 180.0) -> Path:
    """Convert a .docx to PDF beside it with LibreOffice headless (own profile); returns the PDF path."""
    import shutil
    import tempfile

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        raise ConverterMissing(ConverterMissing.__doc__)
    docx_path = Path(docx_path).resolve()
    pdf = docx_path.with_suffix(".pdf")
    pdf.unlink(missing_ok=True)  # a PDF left from an earlier run must not pass for this one
    with tempfile.TemporaryDirectory(prefix="mispa-lo-") as profile:
        command = [soffice, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless",
                   "--convert-to", "pdf", "--outdir", str(docx_path.parent), str(docx_path)]
        output = _run(command, timeout)
    if not pdf.exists() or pdf.stat().st_size == 0:
        raise CompendiumError(f"LibreOffice did not convert {docx_path.name} to PDF: {output.strip()[:300]}")
    return pdf


def _run(command: list[str], timeout: float) -> str:
    """Run a command in its own process group, killing the whole group when it times out."""
    import os
    import signal
    import subprocess

    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        message = f"LibreOffice took longer than {timeout:.0f}s to convert the compendium"
        raise CompendiumError(message) from None
    return out.decode("utf-8", "replace")
