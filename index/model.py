"""Records returned by the index package: frozen dataclasses, never Whoosh objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

HIGHLIGHT_START = "**"  # snippets mark matched words as **word**
HIGHLIGHT_END = "**"


class IndexState(StrEnum):
    """What `index_status` found at an index directory."""

    OK = "ok"
    MISSING = "missing"
    CORRUPT = "corrupt"
    OUTDATED = "outdated"  # built with another SCHEMA_VERSION: rebuild needed
    LOCKED = "locked"  # a live writer holds the lock
    STALE_LOCK = "stale-lock"  # a crashed writer left its lock; the next writer recovers it


class SortOrder(StrEnum):
    """Orders accepted by `search(sort=...)`."""

    RELEVANCE = "relevance"
    COUNTRY = "country"  # member state A-Z, newest first within a country
    DATE = "date"  # newest first; undated sections last


@dataclass(frozen=True, slots=True)
class Hit:
    """One matching section, with enough stored data to print it."""

    id: str
    title: str
    member_state: str
    kind: str
    language: str
    pillars: tuple[int, ...]
    themes: tuple[str, ...]
    year: int | None
    score: float | None  # None when sorted by country or date
    snippet: str  # highlighted fragments, or the start of the text
    ocr: bool
    institution: str = ""
    date: str | None = None
    source_file: str = ""
    pages: str | None = None


@dataclass(frozen=True, slots=True)
class SearchResult:
    """A page of hits plus facet counts over the whole result set."""

    query: str
    total: int
    page: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]]
    suggestion: str | None
    expanded_query: str
    limit: int = 10
    sort: str = SortOrder.RELEVANCE.value

    @property
    def pages(self) -> int:
        """Number of pages of `limit` hits."""
        return (self.total + self.limit - 1) // self.limit if self.limit else 0


@dataclass(frozen=True, slots=True)
class IndexStatus:
    """Health of an index directory, for `mispa status`."""

    state: IndexState
    path: str
    doc_count: int = 0
    schema_version: int | None = None
    expected_schema_version: int = 0
    generation: str | None = None
    message: str = ""
    lock_holder: dict[str, object] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when searches can run."""
        return self.state in (IndexState.OK, IndexState.LOCKED, IndexState.STALE_LOCK)


@dataclass(frozen=True, slots=True)
class WriteReport:
    """What a build, update or delete did."""

    index_dir: str
    generation: str
    added: int = 0
    deleted: int = 0
    doc_count: int = 0
    seconds: float = 0.0
