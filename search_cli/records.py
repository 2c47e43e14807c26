"""Turn catalog rows and tags into the records that commands print."""

from __future__ import annotations

import json
from typing import Any

from ingest.model import Tag
from ingest.text import clean


def pages(row: dict[str, Any]) -> str | None:
    start, end = row.get("page_start"), row.get("page_end")
    if start is None:
        return None
    return str(start) if end in (None, start) else f"{start}-{end}"


def export_record(row: dict[str, Any], tags: list[Tag]) -> dict[str, Any]:
    """One exported section: identity, fields, and its pillars and themes with their evidence."""
    from classify.tagging import narrative_body  # not at the top: the search path imports this module

    return {
        "id": row["id"], "kind": row["kind"], "title": row["title"], "member_state": row["member_state"],
        "language": row["language"], "institution": row["institution"],
        "contact_person": row["contact_person"], "job_title": row["job_title"], "phone": row["phone"],
        "email": row["email"], "declared_pillar": row["declared_pillar"],
        "pillars": sorted(int(t.code) for t in tags if t.kind == "pillar"),
        "themes": sorted(t.code for t in tags if t.kind == "theme"),
        "tags": [{"kind": t.kind, "code": t.code, "score": t.score, "source": t.source,
                  "evidence": [{"term": e.term, "field": e.field, "start": e.start, "end": e.end}
                               for e in t.evidence]} for t in tags],
        "flags": [f for f in (row.get("flags") or "").split(",") if f],
        "fields": row["fields"],
        # a section written as prose has no fields: its text, as the tagger read it ("body" evidence)
        "body": narrative_body(row["title"], row["fields"], row["text"] or ""),
        "source_file": row["file_name"], "pages": pages(row),
        # where it came from, as a container's member ("mail.eml!/reply.docx"); the catalog keeps the
        # path as given (for --retry), this is it cleaned like every other text shown
        "source_path": clean(row.get("source_path") or row["file_name"]),
        "year": row.get("year"), "reply_date": row.get("reply_date"),
    }


def index_record(row: dict[str, Any], tags: list[Tag]) -> dict[str, Any]:
    """The plain record the index package takes for one catalog section."""
    return {
        "id": row["id"], "kind": row["kind"], "title": row["title"], "member_state": row["member_state"] or "",
        "language": row["language"] or "", "year": row.get("year"), "date": row.get("reply_date"),
        "pillars": sorted(int(t.code) for t in tags if t.kind == "pillar"),
        "themes": sorted(t.code for t in tags if t.kind == "theme"),
        "institution": row["institution"], "text": row["text"], "fields": row["fields"],
        "source_file": row["file_name"], "pages": pages(row), "ocr": bool(row.get("ocr")),
        "tag_sources": {t.code: t.source for t in tags},
        "topics": topics(row, tags),
    }


def topics(row: dict[str, Any], tags: list[Tag]) -> dict[str, float]:
    """Area -> weight for search ranking. A theme the section is tagged with weighs 1: the tag
    is the decision that the section is about the area, whatever the strength of the words that
    led to it (a secondary theme is often named once). Other areas the text names weigh their
    text score. A national plan spans many areas, so a tag does not make it about one: all its
    areas weigh their text score. A reviewer's decision replaces them all (its themes only)."""
    themes = {t.code: 1.0 for t in tags if t.kind == "theme"}
    if any(t.source == "reviewer" for t in tags):
        return themes
    named = json.loads(row.get("topics") or "{}")
    return named if row.get("kind") == "plan" else {**named, **themes}
