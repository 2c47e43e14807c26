"""Cross-language query expansion from the taxonomy and a small domain glossary.

A query word or phrase that matches a concept (a taxonomy area's terms, or a row of
`data/glossary.tsv`) is OR-ed with the concept's terms in the OTHER languages, at a
lower weight than the original. Matching compares folded, lowercased words and also
tries simple plural stripping, ignoring stop words: `violencias domesticas` matches
`violencia doméstica`. Longest match wins, so `domestic violence` expands as one
concept before `violence` would. The glossary and the taxonomy load lazily, once.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from whoosh import query

from index.schema import LANGUAGES, all_stopwords
from index.settings import DEFAULT_SETTINGS
from ingest.datafiles import DataFileError

log = logging.getLogger(__name__)

DEFAULT_FIELD = "text"  # the virtual field free words are parsed into
_WORD = re.compile(r"\w+(?:\.\w+)*")
_taxonomy_override: list[Any] = []


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """Lowercase and strip accents: `Policía` -> `policia`."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=65536)
def word_keys(word: str) -> frozenset[str]:
    """The folded word plus simple singular forms (es/pt/fr/en plural stripping)."""
    w = fold(word)
    keys = {w}
    if len(w) > 3:
        for suffix, repl in (("ies", "y"), ("oes", "ao"), ("ais", "al"), ("eis", "el"),
                             ("es", ""), ("s", "")):
            if w.endswith(suffix):
                keys.add(w[: -len(suffix)] + repl)
    return frozenset(keys)


def content_words(text: str) -> list[str]:
    """Words of a phrase without the stop words of any of the four languages."""
    stops = all_stopwords()
    return [w for w in _WORD.findall(text) if fold(w) not in stops]


@dataclass(frozen=True, slots=True)
class Concept:
    """One idea named in several languages: lang -> phrases, best first."""

    source: str  # "glossary" or "taxonomy:2.4"
    terms: dict[str, tuple[str, ...]]

    def __reduce__(self) -> tuple[type, tuple[str, dict[str, tuple[str, ...]]]]:
        # unpickled (vocabulary.py's cache) through __init__: dataclasses' own setstate for frozen
        # slots classes looks the fields up per object, twice as slow at each search's start
        return Concept, (self.source, self.terms)

    @property
    def area(self) -> str | None:
        """The thematic area of a taxonomy concept ("2.4"); None for a glossary row."""
        return self.source.removeprefix("taxonomy:") if self.source.startswith("taxonomy:") else None


@dataclass(frozen=True, slots=True)
class Match:
    """A concept found at some position of the query's words."""

    length: int
    concept: Concept
    lang: str  # language of the phrase the query words matched


class Dictionary:
    """Concepts indexed by the keys of their first content word."""

    def __init__(self, concepts: Iterable[Concept]) -> None:
        self.concepts = list(concepts)
        self._by_key: dict[str, list[tuple[tuple[frozenset[str], ...], Concept, str]]] = {}
        for concept in self.concepts:
            for lang, phrases in concept.terms.items():
                for phrase in phrases:
                    keysets = tuple(word_keys(w) for w in content_words(phrase))
                    for key in keysets[0] if keysets else ():
                        self._by_key.setdefault(key, []).append((keysets, concept, lang))

    def matches_at(self, words: Sequence[str], start: int) -> list[Match]:
        """The longest concepts whose words match `words[start:]`."""
        found: list[Match] = []
        seen: set[tuple[int, int, str]] = set()
        for key in word_keys(words[start]):
            for keysets, concept, lang in self._by_key.get(key, ()):
                n = len(keysets)
                window = words[start:start + n]
                if len(window) == n and all(word_keys(w) & k for w, k in zip(window, keysets, strict=True)):
                    if (n, id(concept), lang) not in seen:
                        seen.add((n, id(concept), lang))
                        found.append(Match(n, concept, lang))
        longest = max((m.length for m in found), default=0)
        return [m for m in found if m.length == longest]

    def exact(self, words: Sequence[str]) -> list[Match]:
        """Concepts matching all of `words` (a quoted phrase)."""
        return [m for m in self.matches_at(words, 0) if m.length == len(words)] if words else []


class GlossaryError(DataFileError):
    """glossary.tsv is malformed (the message names the line)."""

    folder = "index/data/"


def load_glossary(text: str | None = None) -> list[Concept]:
    """Rows of `index/data/glossary.tsv` (or ``text``): columns en, es, pt, fr separated by one tab,
    `|` between variants. A row that is not four columns, or names a thing in fewer than two
    languages (it would translate nothing), raises GlossaryError with its line."""
    if text is None:
        text = resources.files("index").joinpath("data/glossary.tsv").read_text(encoding="utf-8")
    lines = text.splitlines()
    header = lines[0].split("\t") if lines else []
    if sorted(header) != sorted(LANGUAGES):
        raise GlossaryError("glossary.tsv:1: the first line must name the four languages, "
                            "en<TAB>es<TAB>pt<TAB>fr")
    concepts = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cells = line.split("\t")
        if len(cells) != len(header):
            raise GlossaryError(f"glossary.tsv:{number}: {len(cells)} columns, expected {len(header)} "
                                f"({', '.join(header)}) separated by one tab")
        names = {lang: variants for lang, cell in zip(header, cells)
                 if (variants := tuple(v.strip() for v in cell.split("|") if v.strip()))}
        if len(names) < 2:
            raise GlossaryError(f"glossary.tsv:{number}: names its thing in {len(names)} language(s); a row "
                                "translates between at least two")
        concepts.append(Concept("glossary", names))
    return concepts


# Stop words that turn a term into its opposite: "no violencia" (4.4) less its stop word is
# "violencia", which a search for "violencia" must not read as naming 4.4.
NEGATIONS = frozenset({"no", "non", "not", "without", "sin", "sem", "nao", "sans", "ni", "nor"})


def negated(text: str) -> bool:
    """Whether a term holds a negation ("no violencia", "non-violence", "without violence")."""
    return any(fold(w) in NEGATIONS for w in _WORD.findall(text))


def search_terms(taxonomy: Any) -> Iterator[Any]:
    """The taxonomy's terms that search reads (its dictionary here, the topic finder in topics.py):
    the strong (not weak) ones of the four languages, not those with a negation (see NEGATIONS)."""
    return (t for t in taxonomy.terms if not t.weak and t.lang in LANGUAGES and not negated(t.text))


def taxonomy_concepts(taxonomy: Any) -> list[Concept]:
    """One concept per taxonomy area: its ``search_terms``, heaviest first."""
    by_area: dict[str, dict[str, list[tuple[float, str]]]] = {}
    for term in search_terms(taxonomy):
        by_area.setdefault(str(term.area), {}).setdefault(term.lang, []).append(
            (-float(term.weight), term.text))
    # A stable sort on weight alone keeps the file's order among equal weights.
    return [
        Concept(f"taxonomy:{area}", {
            lang: tuple(t for _, t in sorted(items, key=lambda item: item[0]))
            for lang, items in langs.items()})
        for area, langs in sorted(by_area.items())
    ]


def use_taxonomy(taxonomy: Any | None) -> None:
    """Expand with this taxonomy instead of `classify.taxonomy.load_taxonomy()`."""
    from index.vocabulary import forget

    _taxonomy_override[:] = [taxonomy] if taxonomy is not None else []
    forget()


def taxonomy_overridden() -> bool:
    return bool(_taxonomy_override)


def search_taxonomy() -> Any | None:
    """The taxonomy search expands with (None when it cannot be loaded: search goes on)."""
    if _taxonomy_override:
        return _taxonomy_override[0]
    try:
        from classify.taxonomy import load_taxonomy  # only when a query is translated
        return load_taxonomy()
    except Exception as exc:  # a broken taxonomy must not break search
        log.warning("taxonomy unavailable, expanding with the glossary only: %s", exc)
        return None


def default_dictionary() -> Dictionary:
    """Glossary + taxonomy concepts, loaded on first use and kept (see index.vocabulary)."""
    from index.vocabulary import vocabulary

    dictionary: Dictionary = vocabulary().dictionary
    return dictionary


def translations(matches: Sequence[Match], words: Sequence[str], per_lang: int, boost: float,
                 named: frozenset[str] = frozenset()) -> list[query.Query]:
    """Each matched concept's phrases in the languages its ``words`` (a query's, or a section's
    for similar sections) are not in: per language, the ``per_lang`` that share most word roots
    with them (their cognates, so "violence prevention" brings "prevención de la violencia" before
    the area's heavier terms), then the heaviest.

    A taxonomy area's terms are not synonyms of each other: "cybercrime" is one of the terms of
    5.2, beside "drug trafficking" and "trata de personas". So the heaviest fill in only when the
    query names the area as a whole (``named``: the areas the query's words name by the area's own
    names, see topics.area_namer); a query on one thing of the area gets only that thing's
    cognates ("ciberdelito" comes from the glossary)."""
    matched_langs = {m.lang for m in matches}
    alts: list[query.Query] = []
    typed = _key(" ".join(words))
    seen: set[tuple[str, str]] = set()
    roots = _roots(" ".join(words))
    for match in matches:
        area = match.concept.area
        # Words spelled alike in several languages of a glossary row ("prison", "CPTED", "cannabis")
        # say nothing of the query's language: those languages' other names come in too (a row's
        # names are one thing's; an area's terms are not each other's synonyms).
        alike = area is None and sum(1 for m in matches if m.concept is match.concept) > 1
        for lang in LANGUAGES:
            if lang in matched_langs and not alike:
                continue
            ranked = sorted(match.concept.terms.get(lang, ()), key=lambda p: -len(roots & _roots(p)))
            if area is not None and area not in named:
                ranked = [p for p in ranked if roots & _roots(p)]
            for key, phrase in [(k, p) for p in ranked if (k := _key(p)) != typed][:per_lang]:
                if (lang, key) in seen:
                    continue
                seen.add((lang, key))
                words, field = _WORD.findall(phrase), f"{DEFAULT_FIELD}@{lang}"
                alts.append(query.Term(field, words[0], boost=boost) if len(words) == 1
                            else query.Phrase(field, words, boost=boost))
    return alts


@dataclass(frozen=True, slots=True)
class Mention:
    """A concept a text names: its matches where the text first names it, the words there, and
    the ids of the matched concepts (what tells one mention from another)."""

    matches: tuple[Match, ...]
    words: tuple[str, ...]
    concepts: tuple[int, ...]


def mentions(words: Sequence[str], d: Dictionary) -> list[Mention]:
    """The concepts of ``d`` that ``words`` (a text's content words, ``content_words``) name, each
    once, in the order the text first names them: read left to right, the longest concept at each
    word, as a query's words are (``_expand_run``)."""
    found: dict[tuple[int, ...], Mention] = {}
    i = 0
    while i < len(words):
        matches = d.matches_at(words, i)
        if not matches:
            i += 1
            continue
        n = matches[0].length
        concepts = tuple(sorted({id(m.concept) for m in matches}))
        found.setdefault(concepts, Mention(tuple(matches), tuple(words[i:i + n]), concepts))
        i += n
    return list(found.values())


def _key(text: str) -> str:
    """A phrase as its folded content words: "Tráfico de drogas" -> "trafico drogas"."""
    return " ".join(fold(w) for w in content_words(text))


@lru_cache(maxsize=16384)
def _roots(text: str) -> frozenset[str]:
    """The roots of the content words of ``text``: the first 5 letters of each word of 4 or more,
    folded ("violence" and "violencia" share "viole")."""
    return frozenset(fold(w)[:5] for w in content_words(text) if len(w) >= 4)


class Alternatives(query.Or):
    """One typed word, phrase or concept OR-ed with its translations: one group of the query,
    however many alternatives it holds. Typed side by side, words are an Or of such groups, and
    ranking counts the groups a section matches (ranking.Ranker._coordinate); a query of one
    word is its group alone, whose alternatives must not be counted as words: "violencia" would
    have ranked a section matching "violence" in both its English and French alternatives
    (title words are shared) twice as high as one saying "violencia"."""


class SideBySide(query.Or):
    """The words typed side by side, without an operator: "police training". Only these may
    name a concept together; with an explicit operator ("police OR training") each word is its
    own alternative, translated alone. (The query parser's implicit group builds this class.)"""


class Either(query.Or):
    """An explicit OR between runs of words typed side by side (querying._around_or): its own
    class, so that Whoosh's normalize does not merge the runs into one, as it merges an Or's
    children of its class."""


def typed_side_by_side(q: query.Query) -> bool:
    """Whether ``q`` is the OR of the groups typed side by side, not one group's Alternatives."""
    return isinstance(q, query.Or) and not isinstance(q, Alternatives)


@dataclass(frozen=True, slots=True)
class Weights:
    """How much expansions weigh next to the user's own words (which weigh 1)."""

    per_lang: int = DEFAULT_SETTINGS.expansions_per_language  # phrases added per other language
    boost: float = DEFAULT_SETTINGS.expansion_boost  # a translated phrase
    part: float = 0.5  # one word of a concept of several words typed side by side, and (times boost)
    # each of that word's own translations (see _expand_run)


def _expand_run(terms: list[query.Term], d: Dictionary, w: Weights, conjunction: bool,
                named: frozenset[str] = frozenset()) -> list[query.Query]:
    """Expand consecutive free words; a concept spanning several words is kept as one
    node: in an AND group all its words are required, in an OR group any of them."""
    words, out, i = [t.text for t in terms], [], 0
    while i < len(terms):
        matches = d.matches_at(words, i)
        if not matches:
            out.append(terms[i])
            i += 1
            continue
        n = matches[0].length
        own = terms[i:i + n]
        base: list[query.Query]
        if conjunction:
            base = [own[0] if n == 1 else query.And(own)]
        elif n == 1:
            base = own
        else:
            # Side by side, the words of one concept count whole (as a phrase) or, at part weight,
            # one by one: for "drug trafficking", a section on human trafficking that says
            # "trafficking" twenty times must not outrank one on drug trafficking. Each word brings
            # its glossary translations at that weight too: "awareness campaign" finds the French
            # section on a school "campagne" that never says "campagne de sensibilisation". (Not an
            # area's terms: "no violencia", a term of 4.4, is not a translation of "violencia".)
            base = [query.Phrase(DEFAULT_FIELD, [t.text for t in own]),
                    *(query.Term(t.fieldname, t.text, boost=w.part * t.boost) for t in own)]
            for t in own:  # the glossary's translations only: an area's terms are not the word's
                glossed = [m for m in d.matches_at([t.text], 0) if m.concept.area is None]
                base += translations(glossed, [t.text], w.per_lang, w.part * w.boost, named)
        out.append(Alternatives([*base, *translations(matches, words[i:i + n], w.per_lang, w.boost, named)]))
        i += n
    return out


def _is_free_term(q: query.Query) -> bool:
    return isinstance(q, query.Term) and q.fieldname == DEFAULT_FIELD


def expand(q: query.Query, d: Dictionary, weights: Weights | None = None,
           named: frozenset[str] = frozenset()) -> query.Query:
    """Return `q` with translated alternatives OR-ed to the words and phrases that match;
    ``named``: the areas the whole query names (see ``_alternatives``)."""
    w = weights or Weights()
    if _is_free_term(q):
        return _expand_run([q], d, w, True, named)[0]
    if isinstance(q, query.Phrase) and q.fieldname == DEFAULT_FIELD:
        matches = d.exact(content_words(" ".join(q.words)))
        if not matches:
            return q
        return Alternatives([q, *translations(matches, q.words, w.per_lang, w.boost, named)])
    if isinstance(q, (query.And, query.Or)):
        kids, out, i = list(q.subqueries), [], 0
        while i < len(kids):
            j = i
            while j < len(kids) and _is_free_term(kids[j]):
                j += 1
            if j > i and isinstance(q, query.Or) and not isinstance(q, SideBySide):  # "a OR b"
                out.extend(_expand_run([kid], d, w, False, named)[0] for kid in kids[i:j])
                i = j
            elif j > i:
                out.extend(_expand_run(kids[i:j], d, w, isinstance(q, query.And), named))
                i = j
            else:
                out.append(expand(kids[i], d, w, named))
                i += 1
        return type(q)(out, boost=q.boost)
    return q.apply(lambda child: expand(child, d, w, named))
