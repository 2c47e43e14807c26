"""The one owner of the Whoosh schema, its analyzers and SCHEMA_VERSION.

Each section is indexed three ways:
- `title` and `body`: lowercased and accent-folded, unstemmed, for every language
  (`prevencion` finds `prevención`); `title` carries a field boost over `body`.
- `stem_es`, `stem_en`, `stem_pt`, `stem_fr`: title + text, folded and stemmed with
  the Snowball stemmer of the section's language; only the section's own language
  field is filled, so Spanish stemming never mangles an English text.
- `pairs_es`, ... : the same stemmed words as consecutive pairs ("violenci gener"), so
  a quoted phrase is a lookup of its word pairs instead of a walk over positions;
  only `title` keeps positions (body and stem fields store none: smaller, faster).
- facet fields (`kind`, `member_state`, `language`, `year`, `pillars`, `themes`):
  comma-separated keywords, stored, kept exactly as written (their terms are the
  values shown in facet counts).
- `topics`: every thematic area the section's text names, with the classifier's score
  (0..1; 1 for a theme the section is tagged with, search_cli/records.py) as term
  frequency in tenths: a query naming an area ranks by it (ranking.py).

SCHEMA_VERSION is written beside the index; any change to this module that alters
what is indexed bumps it, and an index with another version must be rebuilt.
"""

from __future__ import annotations

import re

from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

from whoosh.analysis import (
    Analyzer,
    CharsetFilter,
    CommaSeparatedTokenizer,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
    StripFilter,
)
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.lang import stopwords_for_language
from whoosh.support.charset import accent_map

from index.errors import InvalidRecordError

SCHEMA_VERSION = 2  # v1 - folded title/body, per-language stem and word-pair fields, facets
# v2 - `topics`: thematic areas the text names, weighted by the classifier's score

LANGUAGES = ("es", "en", "pt", "fr")
KINDS = ("plan", "program", "lesson", "practice")
STEM_FIELDS = {lang: f"stem_{lang}" for lang in LANGUAGES}
PAIR_FIELDS = {lang: f"pairs_{lang}" for lang in LANGUAGES}
PAIR_SEP = " "  # never inside a token
FACET_FIELDS = ("pillars", "themes", "member_state", "kind", "language", "year")
TOPIC_FIELD = "topics"  # area codes, each repeated by its score in tenths (the term frequency)
PILLAR_FIELD = "pillars"  # a facet field; the query names it to rank by an area's pillar
THEME_FIELD = "themes"  # a facet field; a search for one thing of an area also finds the sections tagged with it
TOPIC_SCALE = 10
TEXT_FIELDS = ("title", "body", *STEM_FIELDS.values())
TITLE_BOOST = 3.0
DATE_FIELD = "datekey"  # yyyymmdd (or yyyy0000), only for sorting by date
_WORDS = r"\w+(?:\.\w+)*"  # keeps 5.2 and 3.1 whole; splits l'école and anti-drogas


def folding_analyzer(stoplist: frozenset[str] | None = None) -> Analyzer:
    """Lowercase + accent folding, no stemming: the analyzer of `title` and `body`."""
    analyzer = RegexTokenizer(_WORDS) | LowercaseFilter()
    if stoplist is not None:
        analyzer = analyzer | StopFilter(stoplist=stoplist, minsize=1)
    return analyzer | CharsetFilter(accent_map)


def stemming_analyzer(lang: str) -> Analyzer:
    """Lowercase, drop the language's stop words, fold accents, then stem.

    Folding before stemming makes `prevencion` and `prevención` stem alike.
    """
    return (
        RegexTokenizer(_WORDS)
        | LowercaseFilter()
        | StopFilter(lang=lang, minsize=1)
        | CharsetFilter(accent_map)
        | StemFilter(lang=lang, cachesize=50000)
    )


class PairFilter(Filter):  # type: ignore[misc]  # whoosh is untyped
    """Emit each two consecutive (kept) tokens as one token `first second`."""

    def __call__(self, tokens: Iterator[Any]) -> Iterator[Any]:
        previous: str | None = None
        for token in tokens:
            if token.stopped:
                continue
            text = token.text
            if previous is not None:
                token.text = previous + PAIR_SEP + text
                yield token
            previous = text


def pairs_analyzer(lang: str) -> Analyzer:
    """The stemming analyzer followed by PairFilter."""
    return stemming_analyzer(lang) | PairFilter()


def facet_analyzer() -> Analyzer:
    """Comma-separated values kept verbatim (case and accents), so terms are labels."""
    return CommaSeparatedTokenizer() | StripFilter()


@lru_cache(maxsize=1)
def all_stopwords() -> frozenset[str]:
    """Stop words of the four languages, folded: dropped from free-text queries."""
    words: set[str] = set()
    for lang in LANGUAGES:
        words.update(stopwords_for_language(lang))
    folded = folding_analyzer()
    return frozenset(t.text for w in words for t in folded(w))


def build_schema() -> Schema:
    """The Whoosh schema of the section index."""
    fields: dict[str, Any] = {
        "id": ID(unique=True, stored=True),
        "title": TEXT(analyzer=folding_analyzer(), stored=True, field_boost=TITLE_BOOST),
        "body": TEXT(analyzer=folding_analyzer(), stored=True, phrase=False),
        "institution": TEXT(analyzer=folding_analyzer(), stored=True),
        DATE_FIELD: ID(),
        "date": STORED(),
        "excerpt": STORED(),
        "ocr": STORED(),
        "source_file": STORED(),
        "pages": STORED(),
    }
    for lang, name in STEM_FIELDS.items():
        fields[name] = TEXT(analyzer=stemming_analyzer(lang), phrase=False)
        fields[PAIR_FIELDS[lang]] = KEYWORD(analyzer=pairs_analyzer(lang))
    for name in FACET_FIELDS:
        fields[name] = KEYWORD(stored=True, commas=True, analyzer=facet_analyzer())
    fields[TOPIC_FIELD] = KEYWORD(scorable=True)
    return Schema(**fields)


def _topics(record: Mapping[str, Any]) -> str:
    """{"2.4": 0.83} -> "2.4 2.4 2.4 2.4 2.4 2.4 2.4 2.4" (at least once when named at all)."""
    words = []
    for code, score in sorted((record.get("topics") or {}).items()):
        words += [str(code)] * max(1, round(float(score) * TOPIC_SCALE))
    return " ".join(words)


def _require(record: Mapping[str, Any], key: str) -> Any:
    value = record.get(key)
    if value in (None, ""):
        raise InvalidRecordError(f"section {record.get('id', '?')!r} has no {key!r}")
    return value


def _keywords(values: Any) -> str:
    if values is None:
        return ""
    if isinstance(values, (str, int)):
        values = [values]
    return ",".join(str(v).replace(",", " ").strip() for v in values if str(v).strip())


def _date_key(record: Mapping[str, Any]) -> str:
    date = str(record.get("date") or "")
    if len(date) >= 10 and date[:4].isdigit():
        return date[:10].replace("-", "")
    year = record.get("year")
    return f"{int(year):04d}0000" if year else ""


_HEAD_PARAGRAPH = re.compile(r"[^\n]{1,120}(?<![.;:!?])\n\n")  # a short line of its own, no sentence
_HEAD_PARAGRAPHS = 3
_SENTENCE = re.compile(r"[^\n]{120}|[.;:!?]")


def body_start(text: str) -> int:
    """Where a section's text starts to say something: past the lines it opens with, its title,
    the member state as the reply names it and the declared pillar ("Programa Empresa Parceira…",
    "República Federativa do Brasil", "Pilar 2"), at most three short lines of their own ending in
    no punctuation; 0 when no sentence would be left. Excerpts and snippets start there: the hit's
    title, state and pillars are shown beside them already."""
    start = 0
    for _ in range(_HEAD_PARAGRAPHS):
        m = _HEAD_PARAGRAPH.match(text, start)
        if m is None:
            break
        start = m.end()
    return start if _SENTENCE.search(text, start) else 0


def to_document(record: Mapping[str, Any], excerpt_chars: int = 300) -> dict[str, Any]:
    """Turn one section record (the catalog's plain dict) into Whoosh field values."""
    section_id = str(_require(record, "id"))
    title = str(record.get("title") or "")
    text = str(record.get("text") or "")
    lang = str(record.get("language") or "").lower()
    doc: dict[str, Any] = {
        "id": section_id,
        "title": title,
        "body": text,
        "institution": str(record.get("institution") or ""),
        "date": record.get("date"),
        "excerpt": " ".join(text[body_start(text):][: excerpt_chars * 2].split())[:excerpt_chars],
        "ocr": bool(record.get("ocr", False)),
        "source_file": str(record.get("source_file") or ""),
        "pages": record.get("pages"),
        "kind": _keywords(_require(record, "kind")),
        "member_state": _keywords(record.get("member_state")),
        "language": _keywords(lang),
        "year": _keywords(record.get("year")),
        "pillars": _keywords(record.get("pillars")),
        "themes": _keywords(record.get("themes")),
        TOPIC_FIELD: _topics(record),
    }
    if date_key := _date_key(record):
        doc[DATE_FIELD] = date_key
    if lang in STEM_FIELDS:
        doc[STEM_FIELDS[lang]] = doc[PAIR_FIELDS[lang]] = f"{title}\n{text}"
    return {k: v for k, v in doc.items() if v not in ("", None) or k in ("title", "body")}
