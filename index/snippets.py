"""Highlighted snippets, computed from the stored text of the hits on one page.

Whoosh's highlighter re-runs the full analyzer chain on every word of every hit, which
costs ~2 ms per hit. Here a word is folded (lowercase, accents off) and, only when it
shares its first letters with a query term, stemmed with the section language's
Snowball stemmer (cached): the same normal form the index stored, so `jóvenes` is
marked for the query `youth` -> `joven`. Matched words are marked as **word**.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import lru_cache
from typing import Any

from whoosh.lang import stemmer_for_language
from whoosh.support.charset import accent_map

from index.model import HIGHLIGHT_END, HIGHLIGHT_START
from index.schema import STEM_FIELDS, all_stopwords, body_start
from index.settings import IndexSettings

_TOKEN = re.compile(r"\w+(?:\.\w+)*")
_NOT_ASCII = re.compile(r"[^\x00-\x7f]+")
_SCAN_CHARS = 30000  # longer texts are highlighted in their first 30,000 characters


def terms_by_field(pairs: Iterable[tuple[str, bytes | str]]) -> dict[str, frozenset[str]]:
    """Group (field, term) pairs by field."""
    grouped: dict[str, set[str]] = {}
    for field, text in pairs:
        word = text.decode("utf-8") if isinstance(text, bytes) else str(text)
        grouped.setdefault(field, set()).add(word)
    return {field: frozenset(words) for field, words in grouped.items()}


@lru_cache(maxsize=8)
def _stemmer(lang: str) -> Callable[[str], str]:
    return lru_cache(maxsize=100_000)(stemmer_for_language(lang))


def _candidates(stems: frozenset[str], folded: frozenset[str]) -> re.Pattern[str] | None:
    """Words that may match: starting with a query word or stem (Snowball stems are
    prefixes of the folded word, except y -> i: policy -> polici). A C-level regex scan."""
    prefixes = {s[:-1] if s.endswith("i") and len(s) > 3 else s for s in stems}
    if not prefixes and not folded:
        return None
    starts = "|".join(sorted((re.escape(p) for p in prefixes), key=len, reverse=True))
    words = "|".join(sorted((re.escape(w) for w in folded), key=len, reverse=True))
    parts = [rf"\b(?:{starts})\w*"] if starts else []
    parts += [rf"\b(?:{words})\b"] if words else []
    return re.compile("|".join(parts))


def _fold_text(text: str) -> str:
    """Lowercase, accents off; accent_map only maps a character to one character, so the offsets
    stay. Only the runs of non-ASCII characters go through str.translate: twice as fast on
    Spanish, Portuguese and French text as translating all of it."""
    lowered = text.lower()
    if lowered.isascii():
        return lowered
    return _NOT_ASCII.sub(lambda run: run.group().translate(accent_map), lowered)


def _matches(text: str, lang: str, stems: frozenset[str],
             folded: frozenset[str]) -> Iterator[tuple[int, int]]:
    text = text[:_SCAN_CHARS]
    stem = _stemmer(lang) if stems and lang in STEM_FIELDS else None
    folded_text = _fold_text(text)
    pattern = _candidates(stems, folded)
    if pattern is None or len(folded_text) != len(text):  # folding changed offsets
        words: Iterable[re.Match[str]] = _TOKEN.finditer(text)
        fold_each = True
    else:
        words, fold_each = pattern.finditer(folded_text), False
    for m in words:
        word = m.group().lower().translate(accent_map) if fold_each else m.group()
        if word in folded or (stem is not None and stem(word) in stems):
            yield m.start(), m.end()


def _window(text: str, first: int, width: int, floor: int = 0) -> tuple[int, int]:
    """Up to ``width`` characters around the word at ``first``, starting no earlier than ``floor``
    (where the previous fragment ended) and cut at spaces."""
    start = max(floor, first - width // 3)
    end = min(len(text), start + width)
    if start > floor:
        space = text.find(" ", start, first)
        start = space + 1 if space >= 0 else start
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > first else end
    return start, end


def _mark(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> str:
    out, pos = [], start
    for s, e in spans:
        if s >= start and e <= end:
            out += [text[pos:s], HIGHLIGHT_START, text[s:e], HIGHLIGHT_END]
            pos = e
    out.append(text[pos:end])
    return " ".join("".join(out).split())


def make_snippet(stored: Mapping[str, Any], terms: Mapping[str, frozenset[str]],
                 settings: IndexSettings) -> str:
    """Up to `snippet_fragments` fragments around matched words, or the stored excerpt."""
    text = str(stored.get("body") or "")
    text = text[body_start(text):]  # not the title, state and pillar lines: the hit shows them
    lang = str(stored.get("language") or "")
    stems = terms.get(STEM_FIELDS.get(lang, ""), frozenset())
    folded = (terms.get("body", frozenset()) | terms.get("title", frozenset())) - all_stopwords()
    spans = list(_matches(text, lang, stems, folded)) if text and (stems or folded) else []
    if not spans:
        return str(stored.get("excerpt") or "")
    fragments: list[str] = []
    end = windows = 0
    for s, _ in spans:
        if fragments and s < end:
            continue
        previous = end
        start, end = _window(text, s, settings.snippet_chars, floor=previous)
        fragment = _mark(text, start, end, spans)
        if fragments and not text[previous:start].strip():  # it goes on where the last one stopped
            fragments[-1] += " " + fragment
        else:
            fragments.append(fragment)
        windows += 1
        if windows == settings.snippet_fragments:
            break
    return " … ".join(fragments)
