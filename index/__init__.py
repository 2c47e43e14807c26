"""The search index of mispa: a Whoosh index derived from the catalog, rebuildable.

Plain functions taking plain section records and returning frozen dataclasses:

    build_index(records, index_dir)            full rebuild, swapped in atomically
    update_sections(index_dir, records)        add or replace sections by id
    delete_sections(index_dir, ids)
    search(index_dir, query, filters, page, limit, sort, translate=True) -> SearchResult
    similar(index_dir, section_id, limit, filters, other_states) -> list[Hit]
    index_status(index_dir)                    -> IndexStatus

Every error is a SearchIndexError. This package never imports spaCy or pdfplumber.
"""

from __future__ import annotations

import index.startup  # noqa: F401  (first: loads Whoosh without urllib.request and asyncio)
from index.errors import (
    IndexLockedError,
    IndexUnavailableError,
    InvalidFilterError,
    InvalidRecordError,
    QuerySyntaxError,
    QueryTooBroadError,
    SchemaMismatchError,
    SearchIndexError,
    SectionNotFoundError,
)
from index.model import (
    HIGHLIGHT_END,
    HIGHLIGHT_START,
    Hit,
    IndexState,
    IndexStatus,
    SearchResult,
    SortOrder,
    WriteReport,
)
from index.schema import SCHEMA_VERSION
from index.searching import search, similar
from index.settings import IndexSettings
from index.status import index_status
from index.translate import use_taxonomy
from index.writer import build_index, delete_sections, update_sections

__all__ = [
    "HIGHLIGHT_END",
    "HIGHLIGHT_START",
    "SCHEMA_VERSION",
    "Hit",
    "IndexLockedError",
    "IndexSettings",
    "IndexState",
    "IndexStatus",
    "IndexUnavailableError",
    "InvalidFilterError",
    "InvalidRecordError",
    "QuerySyntaxError",
    "QueryTooBroadError",
    "SchemaMismatchError",
    "SearchIndexError",
    "SearchResult",
    "SectionNotFoundError",
    "SortOrder",
    "WriteReport",
    "build_index",
    "delete_sections",
    "index_status",
    "search",
    "similar",
    "update_sections",
    "use_taxonomy",
]
