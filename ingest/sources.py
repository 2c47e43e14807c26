"""The catalog's record of sources (messages, mailboxes, archives) and of every entry they hold.

A source row is written as failed ("interrupted") before its members are read and finished at
the end, like a document. Each attachment or member gets an entry with its outcome, including
duplicates and members refused before reading, which have no documents row of their own; an
entry once ``ok`` is not downgraded to ``duplicate`` when the same container is read again.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .catalog import Catalog, path_from_storable, storable_path
from .containers import SourceInfo
from .model import Status

RETRY_STATUSES = (
    Status.NEEDS_OCR,
    Status.NEEDS_CONVERTER,
    Status.NEEDS_PASSWORD,
    Status.TIMED_OUT,
    Status.FAILED,
)
MEMBER_SEPARATOR = "!/"  # "/in/reply.eml!/Respuesta.docx": the container's path, then the member


@dataclass(frozen=True, slots=True)
class Entry:
    name: str
    kind: str  # "file" | "message" | "archive" | "mailbox" | "note"
    sha256: str
    status: str
    reason: str = ""


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def find_source(catalog: Catalog, sha256: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = catalog.db.execute("SELECT * FROM sources WHERE sha256 = ?",
                                                 (sha256,)).fetchone()
    return row


def begin_source(
    catalog: Catalog, sha256: str, kind: str, name: str, path: str, parent_id: int | None
) -> int:
    """Record a container as failed ("in progress") before reading it; returns its row id."""
    with catalog.transaction():
        catalog.db.execute(
            """INSERT INTO sources (sha256, kind, parent_id, name, path, status, reason, ingested_at)
               VALUES (?, ?, ?, ?, ?, 'failed', 'interrupted while ingesting', ?)
               ON CONFLICT(sha256) DO UPDATE SET kind=excluded.kind, name=excluded.name, path=excluded.path,
               parent_id=coalesce(sources.parent_id, excluded.parent_id), status='failed',
               reason='interrupted while ingesting', ingested_at=excluded.ingested_at""",
            (sha256, kind, parent_id, name, storable_path(path), _now()),
        )
        row = catalog.db.execute("SELECT id FROM sources WHERE sha256 = ?", (sha256,)).fetchone()
    return int(row["id"])


def finish_source(
    catalog: Catalog, source_id: int, info: SourceInfo | None, status: Status, reason: str
) -> None:
    """Store what the container said about itself, and its outcome."""
    with catalog.transaction():
        if info is not None:
            catalog.db.execute(
                "UPDATE sources SET sender=?, sent_at=?, subject=?, body=?, member_state=? WHERE id=?",
                (info.sender, info.sent_at, info.subject, info.body, info.member_state, source_id),
            )
        catalog.db.execute(
            "UPDATE sources SET status=?, reason=? WHERE id=?", (str(status), reason, source_id)
        )


def record_entry(catalog: Catalog, source_id: int, ordinal: int, entry: Entry) -> None:
    """Record one member's outcome and link its document to the source it first came with."""
    with catalog.transaction():
        catalog.db.execute(
            """INSERT INTO source_entries (source_id, ordinal, name, kind, sha256, status, reason)
               VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(source_id, ordinal) DO UPDATE SET name=excluded.name, kind=excluded.kind,
               sha256=excluded.sha256, status=excluded.status, reason=excluded.reason
               WHERE NOT (source_entries.status = 'ok' AND excluded.status = 'duplicate'
                          AND source_entries.sha256 = excluded.sha256)""",
            (source_id, ordinal, entry.name, entry.kind, entry.sha256, entry.status, entry.reason),
        )
        if entry.sha256 and entry.kind == "file":
            catalog.db.execute(
                "UPDATE documents SET source_id = ? WHERE sha256 = ? AND source_id IS NULL",
                (source_id, entry.sha256),
            )


def retry_paths(catalog: Catalog) -> list[Path]:
    """Files (or the containers holding them) of documents waiting for a retry, that still exist."""
    marks = ",".join("?" * len(RETRY_STATUSES))
    rows = catalog.db.execute(
        f"SELECT path FROM documents WHERE status IN ({marks})", tuple(str(s) for s in RETRY_STATUSES)
    ).fetchall()
    rows += catalog.db.execute(
        "SELECT path FROM sources WHERE status = 'failed' AND parent_id IS NULL"
    ).fetchall()
    paths = {Path(path_from_storable(r["path"].split(MEMBER_SEPARATOR, 1)[0])) for r in rows}
    return sorted(p for p in paths if p.is_file())


def summary(catalog: Catalog) -> dict[str, Any]:
    """Sources by kind and status, their entries by status, and every refused source or entry (a refused
    attachment is listed once per message it came with, under ``<container>!/<name>``)."""
    db = catalog.db
    sources: dict[str, dict[str, int]] = {}
    for kind, status, n in db.execute("SELECT kind, status, count(*) FROM sources GROUP BY 1, 2"):
        sources.setdefault(kind, {})[status] = n
    entries: dict[str, Counter[str]] = {}
    for kind, status, n in db.execute(
        """SELECT CASE s.kind WHEN 'message' THEN 'attachments' WHEN 'mailbox' THEN 'messages'
               ELSE 'archive members' END, e.status, count(*)
               FROM source_entries e JOIN sources s ON s.id = e.source_id GROUP BY 1, 2"""
    ):
        entries.setdefault(kind, Counter())[status] += n
    problems = [
        {"file": f"{r['path']}{MEMBER_SEPARATOR}{r['name']}", "status": r["status"], "reason": r["reason"]}
        for r in db.execute(
            """SELECT s.path, e.name, e.status, e.reason FROM source_entries e
               JOIN sources s ON s.id = e.source_id
               WHERE e.status NOT IN ('ok', 'duplicate') AND e.kind NOT IN ('message', 'archive', 'mailbox')
               ORDER BY s.id, e.ordinal"""
        )
    ]
    problems += [
        {"file": r["path"], "status": r["status"], "reason": r["reason"]}
        for r in db.execute("SELECT path, status, reason FROM sources WHERE status != 'ok' ORDER BY id")
    ]
    return {"sources": sources, "contents": {k: dict(v) for k, v in entries.items()}, "problems": problems}
