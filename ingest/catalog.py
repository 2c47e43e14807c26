"""The catalog: a SQLite database in the data directory, mispa's one system of record.

Documents, their sections and the sections' tags live here; the Whoosh index is derived from it.
WAL mode, foreign keys on, ``synchronous=FULL`` and a busy timeout. The schema is versioned with
``PRAGMA user_version`` and upgraded by the forward migrations in ``migrations/NNNN_name.sql``,
each applied once, in order, in its own transaction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
import sqlite3
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from .errors import CatalogError
from .model import Evidence, Section, Status, Tag
from .text import clean

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _migrations() -> list[tuple[int, str]]:
    """(version, SQL) of every ``migrations/NNNN_name.sql`` file, in order."""
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("[0-9][0-9][0-9][0-9]_*.sql")):
        found.append((int(path.name[:4]), path.read_text(encoding="utf-8")))
    return found


SCHEMA_VERSION = max(v for v, _ in _migrations())


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    sha256: str
    file_name: str
    path: str
    format: str
    status: Status
    reason: str = ""
    source: str = "file"
    page_count: int | None = None
    language: str | None = None
    member_state: str | None = None
    reply_date: str | None = None
    year: int | None = None
    cover_text: str = ""
    metadata: dict[str, str] | None = None


def section_id(sha256: str, ordinal: int) -> str:
    """Stable id of a document's n-th section: the same file always yields the same ids."""
    return hashlib.sha256(f"{sha256}:{ordinal}".encode()).hexdigest()[:12]


def section_key(member_state: str | None, kind: str, title: str, occurrence: int = 1) -> str:
    """The natural key reviews are kept under: member state, kind and normalized title, "#n" for the
    n-th section of one reply with that key. It outlives section ids: "Chile|program|programa x"."""
    folded = unicodedata.normalize("NFKD", title.casefold())
    words = "".join(c if c.isalnum() else " " for c in folded if not unicodedata.combining(c)).split()
    key = f"{member_state or ''}|{kind}|{' '.join(words)}"
    return key if occurrence == 1 else f"{key}#{occurrence}"


class Catalog:
    """Open (creating or upgrading) the catalog at ``path``."""

    def __init__(self, path: Path, *, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise CatalogError(f"cannot open catalog {self.path}: {exc}") from exc

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise CatalogError(f"catalog schema v{version} is newer than this mispa (v{SCHEMA_VERSION})")
        for number, sql in _migrations():
            if number <= version:
                continue
            with self.transaction():
                _run_script(self.db, sql)
                self.db.execute(f"PRAGMA user_version={number}")

    def transaction(self) -> _Transaction:
        return _Transaction(self.db)

    # -- documents -----------------------------------------------------------------
    def find_document(self, sha256: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM documents WHERE sha256 = ?", (sha256,)).fetchone()

    def begin_document(self, info: DocumentInfo) -> int:
        """Record a file as failed ("in progress") before parsing it; returns its row id."""
        info = storable(info)
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        with self.transaction():
            self.db.execute(
                """INSERT INTO documents (sha256, file_name, path, source, format, status, reason, ingested_at)
                   VALUES (?, ?, ?, ?, ?, 'failed', 'interrupted while ingesting', ?)
                   ON CONFLICT(sha256) DO UPDATE SET file_name=excluded.file_name, path=excluded.path,
                   format=excluded.format, status='failed', reason='interrupted while ingesting',
                   ingested_at=excluded.ingested_at""",
                (info.sha256, info.file_name, info.path, info.source, info.format, now))
            row = self.db.execute("SELECT id FROM documents WHERE sha256 = ?", (info.sha256,)).fetchone()
        return int(row["id"])

    def finish_document(self, info: DocumentInfo, sections: Iterable[Section],
                        tagged: dict[int, tuple[list[Tag], str]] | None = None) -> list[str]:
        """Store a document's outcome and sections in one transaction; returns the section ids."""
        ids: list[str] = []
        info = storable(info)
        with self.transaction():
            row = self.db.execute("SELECT id FROM documents WHERE sha256 = ?", (info.sha256,)).fetchone()
            doc_id = row["id"] if row else self._insert_bare(info)
            self.db.execute(
                """UPDATE documents SET format=?, page_count=?, language=?, member_state=?, reply_date=?,
                   year=?, status=?, reason=?, cover_text=?, metadata=?, source=? WHERE id=?""",
                (info.format, info.page_count, info.language, info.member_state, info.reply_date, info.year,
                 str(info.status), info.reason, info.cover_text, json.dumps(info.metadata or {}),
                 info.source, doc_id))
            self.db.execute("DELETE FROM sections WHERE document_id = ?", (doc_id,))
            for section in sections:
                sid = section_id(info.sha256, section.ordinal)
                self._insert_section(sid, doc_id, section)
                ids.append(sid)
                if tagged and section.ordinal in tagged:
                    tags, flags = tagged[section.ordinal]
                    self._write_tags(sid, tags)
                    self.db.execute("UPDATE sections SET flags = ? WHERE id = ?", (flags, sid))
        return ids

    def _insert_bare(self, info: DocumentInfo) -> int:
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        cur = self.db.execute(
            "INSERT INTO documents (sha256, file_name, path, status, ingested_at) VALUES (?, ?, ?, 'failed', ?)",
            (info.sha256, info.file_name, info.path, now))
        return int(cur.lastrowid or 0)

    def _insert_section(self, sid: str, doc_id: int, s: Section) -> None:
        s = _storable_section(s)
        self.db.execute(
            """INSERT INTO sections (id, document_id, ordinal, kind, title, member_state, language, institution,
               contact_person, job_title, phone, email, declared_pillar, fields, text, page_start, page_end)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (sid, doc_id, s.ordinal, str(s.kind), s.title, s.member_state, s.language, s.institution,
             s.contact_person, s.job_title, s.phone, s.email, s.declared_pillar,
             json.dumps(s.fields, ensure_ascii=False), s.text, s.page_start, s.page_end))

    # -- tags ----------------------------------------------------------------------
    def replace_tags(self, sid: str, tags: Iterable[Tag], flags: str = "") -> None:
        """Replace a section's automatic tags (reviewer tags are never touched)."""
        with self.transaction():
            self.db.execute("DELETE FROM tags WHERE section_id = ? AND source != 'reviewer'", (sid,))
            self._write_tags(sid, list(tags))
            self.db.execute("UPDATE sections SET flags = ? WHERE id = ?", (flags, sid))

    def _write_tags(self, sid: str, tags: list[Tag]) -> None:
        topics = {t.code: round(t.score, 3) for t in tags if t.kind == "topic"}
        self.db.execute("UPDATE sections SET topics = ? WHERE id = ?", (json.dumps(topics), sid))
        for t in tags:
            if t.kind == "topic":
                continue
            evidence = json.dumps([{"term": e.term, "field": e.field, "start": e.start, "end": e.end,
                                    "weight": e.weight} for e in t.evidence], ensure_ascii=False)
            self.db.execute(
                """INSERT INTO tags (section_id, kind, code, score, source, evidence) VALUES (?, ?, ?, ?, ?, ?)
                   ON CONFLICT(section_id, kind, code) DO NOTHING""",
                (sid, t.kind, t.code, round(t.score, 4), t.source, evidence))

    def tags_for(self, sid: str) -> list[Tag]:
        """Effective tags: the reviewer's decision where there is one (source "reviewer"), else automatic."""
        tags = self.automatic_tags(sid)
        review = self._review_of(sid)
        if review is None:
            return tags
        evidence = {(t.kind, t.code): t.evidence for t in tags}
        decided = [("pillar", c) for c in json.loads(review["pillars"])] + [
            ("theme", c) for c in json.loads(review["themes"])]
        return [Tag(k, c, 1.0, "reviewer", evidence.get((k, c), ())) for k, c in sorted(decided)]

    def _review_of(self, sid: str) -> sqlite3.Row | None:
        if self.db.execute("SELECT 1 FROM reviews LIMIT 1").fetchone() is None:
            return None
        key = self.key_of(sid)
        return self.db.execute("SELECT * FROM reviews WHERE key = ?", (key,)).fetchone() if key else None

    def key_of(self, sid: str) -> str | None:
        """The natural key (``section_key``) of a section; None for an unknown id."""
        row = self.db.execute("SELECT * FROM sections WHERE id = ?", (sid,)).fetchone()
        if row is None:
            return None
        key = section_key(row["member_state"], row["kind"], row["title"])
        earlier = self.db.execute(
            "SELECT member_state, title FROM sections WHERE document_id = ? AND kind = ? AND ordinal < ?",
            (row["document_id"], row["kind"], row["ordinal"]))
        n = 1 + sum(section_key(r["member_state"], row["kind"], r["title"]) == key for r in earlier)
        return section_key(row["member_state"], row["kind"], row["title"], n)

    def automatic_tags(self, sid: str) -> list[Tag]:
        """The tagger's tags as stored, whatever a reviewer decided."""
        rows = self.db.execute(
            "SELECT * FROM tags WHERE section_id = ? ORDER BY kind, code", (sid,)).fetchall()
        return [Tag(kind=r["kind"], code=r["code"], score=r["score"], source=r["source"],
                    evidence=tuple(Evidence(**e) for e in json.loads(r["evidence"]))) for r in rows]

    # -- reading -------------------------------------------------------------------
    def iter_sections(self, where: str = "", params: tuple[Any, ...] = ()) -> Iterator[dict[str, Any]]:
        """Sections joined with their document, as plain dicts (``fields`` decoded)."""
        sql = f"""SELECT s.*, d.file_name, d.path AS source_path, d.year, d.reply_date, d.format,
                  d.sha256 FROM sections s JOIN documents d ON d.id = s.document_id
                  WHERE d.status = 'ok' {('AND ' + where) if where else ''}
                  ORDER BY d.file_name, s.ordinal"""
        for row in self.db.execute(sql, params):
            record = dict(row)
            record["fields"] = json.loads(record["fields"])
            yield record

    def get_section(self, sid: str) -> dict[str, Any] | None:
        return next(self.iter_sections("s.id = ?", (sid,)), None)

    def documents(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM documents ORDER BY id").fetchall()


def storable(info: DocumentInfo) -> DocumentInfo:
    """The document's text as SQLite and JSON can hold it: clean (NFC, no control characters or lone
    surrogates). The path stays as given (it locates the file for ``--retry``), except that bytes that
    are not UTF-8 (surrogate escapes, which SQLite cannot store) are kept as ``\\udcxx``."""
    path = storable_path(info.path)
    metadata = {clean(str(k)): clean(str(v)) for k, v in (info.metadata or {}).items()}
    return dataclasses.replace(info, file_name=clean(info.file_name), path=path, reason=clean(info.reason),
                               cover_text=clean(info.cover_text), metadata=metadata)


def storable_path(path: str) -> str:
    """A path as given, with bytes that are not UTF-8 (surrogate escapes) written ``\\udcxx``."""
    return path.encode("utf-8", "backslashreplace").decode("utf-8")


_ESCAPED_BYTE = re.compile(r"\\udc([89a-f][0-9a-f])")


def path_from_storable(stored: str) -> str:
    """The path ``storable_path`` stored, its ``\\udcxx`` back to the bytes they stand for."""
    return _ESCAPED_BYTE.sub(lambda m: chr(0xDC00 + int(m.group(1), 16)), stored)


def _storable_section(s: Section) -> Section:
    """Every text field of a section cleaned (the splitter already does; this is the last line)."""
    values = {f.name: getattr(s, f.name) for f in dataclasses.fields(s)}
    texts: dict[str, Any] = {name: clean(value) for name, value in values.items() if type(value) is str}
    return dataclasses.replace(s, fields={clean(k): clean(v) for k, v in s.fields.items()}, **texts)


def _run_script(db: sqlite3.Connection, script: str) -> None:
    """Run the statements of a migration inside the caller's transaction (executescript would commit)."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        if line.lstrip().startswith("--") and not buffer.strip():
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            db.execute(buffer)
            buffer = ""
    if buffer.strip():
        db.execute(buffer)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on error (nestable: inner levels are no-ops)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.outer = False

    def __enter__(self) -> sqlite3.Connection:
        if not self.db.in_transaction:
            self.db.execute("BEGIN IMMEDIATE")
            self.outer = True
        return self.db

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if not self.outer:
            return
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
