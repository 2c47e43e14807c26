"""Document text as safe HTML: snippets with their matched words, fields with tag evidence marked.

Every piece of a reply's text is escaped before any markup is added around it, so a reply that
contains ``<script>`` shows those characters and runs nothing. Only ``<mark>`` elements built here
are trusted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from index import HIGHLIGHT_END, HIGHLIGHT_START
from ingest.model import Tag


def snippet_html(snippet: str) -> Markup:
    """A search snippet whose ``**word**`` marks become ``<mark>word</mark>``, the rest escaped."""
    out: list[str] = []
    rest = snippet
    while True:
        start = rest.find(HIGHLIGHT_START)
        end = rest.find(HIGHLIGHT_END, start + len(HIGHLIGHT_START)) if start >= 0 else -1
        if start < 0 or end < 0:
            out.append(str(escape(rest)))
            break
        out.append(str(escape(rest[:start])))
        out.append(f"<mark>{escape(rest[start + len(HIGHLIGHT_START):end])}</mark>")
        rest = rest[end + len(HIGHLIGHT_END):]
    return Markup("".join(out))


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    labels: tuple[str, ...]  # the tags this span is evidence for: "P2", "2.4"


def evidence_spans(tags: Iterable[Tag]) -> dict[str, list[Span]]:
    """Evidence of every tag, grouped by the field it was found in and merged where spans overlap."""
    raw: dict[str, list[tuple[int, int, str]]] = {}
    for tag in tags:
        label = f"P{tag.code}" if tag.kind == "pillar" else tag.code
        for e in tag.evidence:
            if 0 <= e.start < e.end:
                raw.setdefault(e.field, []).append((e.start, e.end, label))
    return {name: _merge(spans) for name, spans in raw.items()}


def _merge(spans: list[tuple[int, int, str]]) -> list[Span]:
    merged: list[Span] = []
    for start, end, label in sorted(spans):
        if merged and start < merged[-1].end:
            last = merged[-1]
            labels = last.labels if label in last.labels else (*last.labels, label)
            merged[-1] = Span(last.start, max(last.end, end), labels)
        else:
            merged.append(Span(start, end, (label,)))
    return merged


def marked_html(text: str, spans: Sequence[Span]) -> Markup:
    """``text`` escaped, with each evidence span wrapped in ``<mark title="P2, 2.4">``.
    Spans past the end of the text (stale evidence) are left out."""
    out: list[str] = []
    at = 0
    for span in spans:
        if span.start < at or span.end > len(text):
            continue
        out.append(str(escape(text[at:span.start])))
        title = escape(", ".join(span.labels))
        out.append(f'<mark class="evidence" title="{title}">{escape(text[span.start:span.end])}</mark>')
        at = span.end
    out.append(str(escape(text[at:])))
    return Markup("".join(out))
