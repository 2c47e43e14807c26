"""Adapters between catalog/ingest records and the tagger, and re-tagging of the catalog."""

from __future__ import annotations

from typing import Any, Mapping

from ingest.model import Section, Tag

from .engine import Classification, SectionInput, classify


_NOT_CONTENT = ("member_state", "name")  # fields that identify a section rather than describe it


def input_from(title: str, fields: Mapping[str, str], text: str, language: str | None,
               declared: str) -> SectionInput:
    """A narrative section (no content fields) is read as its whole text under the title."""
    content = {k: v for k, v in fields.items() if k not in _NOT_CONTENT}
    return SectionInput(title=title, fields=content, language=language, declared_pillar=declared,
                        body=narrative_body(title, fields, text))


def narrative_body(title: str, fields: Mapping[str, str], text: str) -> str:
    """The text of a section written as prose, without questionnaire fields, as the tagger reads
    it (the evidence found in field "body" has its offsets in this text): its whole text less the
    title. Empty for a section with fields."""
    if any(k not in _NOT_CONTENT for k in fields):
        return ""
    return text[len(title):].lstrip() if text.startswith(title) else text


def tag_section(section: Section, *, use_declared: bool = True) -> tuple[list[Tag], str]:
    """The ingest pipeline's tagger: (tags and topics, comma-separated flags)."""
    result = classify(input_from(section.title, section.fields, section.text, section.language,
                                 section.declared_pillar), use_declared=use_declared)
    return with_topics(result), ",".join(result.flags)


def with_topics(result: Classification) -> list[Tag]:
    """The tags plus one `topic` per area the text names (its score, even below the tagging
    threshold): the catalog keeps them apart from the tags, for search ranking only."""
    return [*result.tags, *(Tag("topic", code, score, "text") for code, score in result.area_scores.items())]


def classify_row(row: Mapping[str, Any], *, use_declared: bool = True) -> Classification:
    """Classify a catalog section row (as returned by ``Catalog.iter_sections``)."""
    return classify(input_from(row["title"], row["fields"], row["text"], row["language"],
                               row["declared_pillar"]), use_declared=use_declared)
