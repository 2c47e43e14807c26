"""Which thematic areas a query is about, whatever its language and word order.

An area is named by its names in the four languages and its strong taxonomy terms. Each
such phrase is reduced to the stems of its content words (the index's own stemmers). A
query covers a phrase when every stem of the phrase is among the stems of the query's
words under any of the four stemmers (plural forms folded). The query's coverage of an
area is the share of its content words that the area's covered phrases account for (a
phrase also counts when two of its words are in the query); the areas with the best
coverage, at least MIN_COVERAGE, are the query's topics, and at equal coverage an area with
a phrase the query names in full wins over one whose phrases it names in part ("violence
prevention" is 2.3, not also 2.4 for "prevention of domestic violence"):

- "standard police procedures" covers "procedimientos estandarizados" (3.4): 2 of 3 words;
- "information exchange between countries" covers "exchange of information" (5.1): 2 of 3.

searching.py adds `topics:<code>` for them, so sections the classifier found about the
area rank higher (ranking.py), and, with a tenth of that weight, `pillars:<n>` for their
pillars. Both weigh half as much when the query names the area by one of its terms only, not
by the area's own names (`area_namer`): "cybercrime" is about 5.2, but a search for it is not
a search for all of 5.2. Loaded lazily with the taxonomy, once per process (index/vocabulary.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from whoosh import query

from index.schema import LANGUAGES, PILLAR_FIELD, THEME_FIELD, TOPIC_FIELD, stemming_analyzer
from index.translate import (DEFAULT_FIELD, SideBySide, content_words, search_terms, typed_side_by_side,
                             word_keys)

MIN_COVERAGE = 0.5  # share of the query's content words an area's phrase must account for


@dataclass(frozen=True, slots=True)
class Phrase:
    area: str
    stems: frozenset[str]

    def __reduce__(self) -> tuple[type, tuple[str, frozenset[str]]]:
        return Phrase, (self.area, self.stems)  # unpickled fast, as translate.Concept


@lru_cache(maxsize=65536)
def stems_of(word: str) -> frozenset[str]:
    """A word's stems under the four languages' stemmers, singular and plural forms alike."""
    out: set[str] = set()
    for form in {word, *word_keys(word)}:
        for lang in LANGUAGES:
            out.update(t.text for t in _analyzer(lang)(form))
    return frozenset(out)


@lru_cache(maxsize=4)
def _analyzer(lang: str) -> Any:
    return stemming_analyzer(lang)


def phrases_of(taxonomy: Any) -> list[Phrase]:
    """Every area's names and ``search_terms`` (not a term with a negation: less its stop word,
    "no violencia" would be "violencia"), as stem sets in their own language."""
    terms = [_phrase(str(term.area), term.lang, term.text) for term in search_terms(taxonomy)
             if "." in str(term.area)]
    return [*_name_phrases(taxonomy), *(p for p in terms if p.stems)]


def _name_phrases(taxonomy: Any) -> list[Phrase]:
    """Every area's names, as stem sets in their own language."""
    names = (_phrase(code, lang, name) for code, area in getattr(taxonomy, "areas", {}).items()
             for lang, name in area.names.items())
    return [p for p in names if p.stems]


def area_namer(taxonomy: Any) -> TopicFinder:
    """A finder of the areas a query names by the areas' own names only (not their terms):
    "violence prevention" names 2.3, "cybercrime" (a term of 5.2) names none."""
    return TopicFinder(_name_phrases(taxonomy))


def _phrase(code: str, lang: str, text: str) -> Phrase:
    return Phrase(code, frozenset(t.text for t in _analyzer(lang)(text)))


class TopicFinder:
    """Phrases indexed by each of their stems."""

    def __init__(self, phrases: Iterable[Phrase]) -> None:
        self._by_stem: dict[str, list[Phrase]] = {}
        for phrase in phrases:
            for stem in phrase.stems:
                self._by_stem.setdefault(stem, []).append(phrase)

    def topics(self, words: Sequence[str]) -> list[str]:
        """The areas the words are most about (best coverage, at least MIN_COVERAGE)."""
        content = content_words(" ".join(words))
        if not content:
            return []
        stems = [stems_of(w) for w in content]
        every = frozenset().union(*stems)
        hits: dict[str, set[str]] = {}
        whole: set[str] = set()  # areas with a phrase the query names in full
        for stem in every:
            for phrase in self._by_stem.get(stem, ()):
                found = phrase.stems & every
                if found == phrase.stems or len(found) >= 2:
                    hits.setdefault(phrase.area, set()).update(found)
                    if found == phrase.stems:
                        whole.add(phrase.area)
        rank = {area: (sum(1 for s in stems if s & found) / len(stems), area in whole)
                for area, found in hits.items()}
        top = max(rank.values(), default=(0.0, False))
        return sorted(a for a, r in rank.items() if r == top and r[0] >= MIN_COVERAGE)


def default_finder() -> TopicFinder:
    """The taxonomy's topic finder, loaded on first use and kept (see index.vocabulary)."""
    from index.vocabulary import vocabulary

    finder: TopicFinder = vocabulary().finder
    return finder


def free_words(q: query.Query) -> list[str]:
    """The words of a query's free-text terms and phrases (not under NOT), in order."""
    if isinstance(q, query.Not):
        return []
    if isinstance(q, query.Term):
        return [str(q.text)] if q.fieldname == DEFAULT_FIELD else []
    if isinstance(q, query.Phrase):
        return list(q.words) if q.fieldname == DEFAULT_FIELD else []
    if isinstance(q, query.AndNot):
        return free_words(q.a)
    return [w for child in q.children() for w in free_words(child)]


def word_runs(q: query.Query) -> list[list[str]]:
    """The query's free words (``free_words``) in the runs that may name a topic together: the
    alternatives of an explicit OR apart ("police OR training" names no topic that "police
    training" does), the rest in one run."""
    if isinstance(q, query.Not):
        return []
    if isinstance(q, query.AndNot):
        return word_runs(q.a)
    if isinstance(q, (query.Term, query.Phrase)):
        words = free_words(q)
        return [words] if words else []
    runs = [word_runs(child) for child in q.children()]
    if (isinstance(q, query.Or) and not isinstance(q, SideBySide)) or any(len(r) > 1 for r in runs):
        return [run for child in runs for run in child]
    joined = [w for child in runs for run in child for w in run]
    return [joined] if joined else []


def add_topics(q: query.Query, codes: Sequence[str], boost: float, pillar_boost: float = 0.0,
               match: bool = True) -> query.Query:
    """`q` with `topics:<code>` OR-ed to its words (inside the filters and NOTs around them), and
    with `pillar_boost`, the areas' pillars (`pillars:2`) to rank by, not to match: the tagger's
    pillars are surer than its themes, so among the sections found, one in the area's pillar
    comes first.

    With ``match`` False (a query on one thing of the area, "cybercrime", not the area itself)
    the topics only rank, and besides the sections the words find, only those tagged with the
    area (`themes:<code>`) are found: not every section whose text names the area a little."""
    if not codes:
        return q
    if isinstance(q, query.AndNot):
        return query.AndNot(add_topics(q.a, codes, boost, pillar_boost, match), q.b)
    if isinstance(q, query.And) and q.subqueries:
        return query.And([add_topics(q.subqueries[0], codes, boost, pillar_boost, match), *q.subqueries[1:]],
                         boost=q.boost)
    topics = [query.Term(TOPIC_FIELD, code, boost=boost) for code in codes]
    wider = topics if match else [query.Term(THEME_FIELD, code, boost=0.0) for code in codes]
    found = query.Or([*q.subqueries, *wider], boost=q.boost) if typed_side_by_side(q) else query.Or([q, *wider])
    rank = [] if match else topics
    if pillar_boost:
        pillars = dict.fromkeys(code.split(".")[0] for code in codes)
        rank += [query.Term(PILLAR_FIELD, p, boost=pillar_boost) for p in pillars]
    # What only ranks goes in AND-MAYBE, which adds no section to the result.
    return query.AndMaybe(found, query.Or(rank)) if rank else found
