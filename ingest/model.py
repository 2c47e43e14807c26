"""Plain records passed between the ingest steps."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Format(enum.StrEnum):
    PDF = "pdf"
    DOCX = "docx"
    DOC = "doc"
    RTF = "rtf"
    ODT = "odt"
    EML = "eml"
    MSG = "msg"
    MBOX = "mbox"
    ZIP = "zip"
    HTML = "html"
    TEXT = "text"
    UNKNOWN = "unknown"


class SectionKind(enum.StrEnum):
    PLAN = "plan"
    PROGRAM = "program"
    LESSON = "lesson"
    PRACTICE = "practice"


class Status(enum.StrEnum):
    """The closed set of outcomes a file can have; each comes with a one-line reason."""

    OK = "ok"
    DUPLICATE = "duplicate"
    FAILED = "failed"
    UNSUPPORTED = "unsupported"
    CORRUPT = "corrupt"
    NEEDS_PASSWORD = "needs_password"
    NEEDS_OCR = "needs_ocr"
    NEEDS_CONVERTER = "needs_converter"
    TOO_LARGE = "too_large"
    TOO_COMPLEX = "too_complex"
    TIMED_OUT = "timed_out"
    EMPTY = "empty"


@dataclass(frozen=True, slots=True)
class Block:
    """One unit of a document in reading order.

    ``kind`` is "heading", "paragraph" or "table". A table carries ``rows``: each row a tuple of
    cell texts (a horizontally merged cell appears once). ``level`` is the heading level (1 = top).
    """

    kind: str
    text: str = ""
    page: int | None = None
    level: int = 0
    rows: tuple[tuple[str, ...], ...] = ()
    last_page: int | None = None  # a table continued over several pages ends here


@dataclass(frozen=True, slots=True)
class ExtractedDocument:
    path: str
    format: Format
    blocks: tuple[Block, ...]
    page_count: int | None = None
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Section:
    """A plan, program, lesson learned or good practice found in a reply."""

    kind: SectionKind
    title: str
    fields: dict[str, str]
    text: str
    ordinal: int = 0
    member_state_text: str = ""
    institution: str = ""
    contact_person: str = ""
    job_title: str = ""
    phone: str = ""
    email: str = ""
    declared_pillar: str = ""
    page_start: int | None = None
    page_end: int | None = None
    language: str | None = None
    member_state: str | None = None


@dataclass(frozen=True, slots=True)
class SplitResult:
    sections: tuple[Section, ...]
    cover_text: str


@dataclass(frozen=True, slots=True)
class Evidence:
    term: str
    field: str
    start: int
    end: int
    weight: float = 0.0


@dataclass(frozen=True, slots=True)
class Tag:
    """A pillar ("1".."5") or thematic area ("2.4") attached to a section."""

    kind: str  # "pillar" | "theme" | "topic" (an area's text score, kept apart for search ranking)
    code: str
    score: float
    source: str  # "declared" | "text" | "reviewer"
    evidence: tuple[Evidence, ...] = ()
