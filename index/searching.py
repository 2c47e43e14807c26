"""search() and similar(): query the index, return plain dataclasses.

A search parses and checks the query, optionally translates it (translate.py), lowers
it onto the index fields (lowering.py), then:
- computes the set of ALL matching documents (docsets.py) for the total and the facet
  counts (facets.py), intersected with the filters;
- asks Whoosh only for the requested page of the best hits (or sorts the matched set
  by a precomputed key for sort=country|date);
- highlights the page's hits and, when a word of the query finds nothing, suggests a
  correction from the index's own vocabulary.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from whoosh import query as wq

from index.errors import (
    InvalidFilterError,
    QueryTooBroadError,
    SearchIndexError,
    SectionNotFoundError,
)
from index.lowering import Lowering, lower
from index.model import Hit, SearchResult, SortOrder
from index.opening import OpenIndex, open_index
from index.querying import describe, free_terms, parse
from index.ranking import Ranker, area_score
from index.schema import PAIR_FIELDS, PAIR_SEP, STEM_FIELDS, TOPIC_FIELD, TOPIC_SCALE
from index.settings import DEFAULT_SETTINGS, IndexSettings
from index.snippets import make_snippet, terms_by_field
from index.topics import add_topics, word_runs
from index.translate import (
    DEFAULT_FIELD,
    Dictionary,
    Mention,
    Weights,
    content_words,
    expand,
    fold,
    mentions,
    translations,
)
from index.vocabulary import vocabulary

FILTER_FIELDS = {"pillar": "pillars", "pillars": "pillars", "theme": "themes",
                 "themes": "themes", "member_state": "member_state", "country": "member_state",
                 "kind": "kind", "language": "language", "year": "year"}
Filters = Mapping[str, Any]


def _filter_docs(opened: OpenIndex, filters: Filters | None) -> set[int] | None:
    """Documents passing all filters (any-of within one filter), or None for no filter."""
    sets = []
    for key, value in (filters or {}).items():
        if key not in FILTER_FIELDS:
            raise InvalidFilterError(
                f"Unknown filter {key!r}; use one of: {', '.join(sorted(FILTER_FIELDS))}")
        values = [value] if isinstance(value, (str, int)) else list(value or ())
        if not values:
            continue
        field = FILTER_FIELDS[key]
        labels = opened.labels[field]
        sets.append(opened.evaluator.union(
            opened.evaluator.term(field, labels.get(fold(str(v)), str(v))) for v in values))
    if not sets:
        return None
    sets.sort(key=len)
    return set(sets[0]).intersection(*sets[1:])


def _stored_hit(opened: OpenIndex, docnum: int, score: float | None, snippet: str) -> Hit:
    s = opened.searcher.stored_fields(docnum)
    year = str(s.get("year") or "")
    return Hit(
        id=s["id"], title=s.get("title", ""), member_state=s.get("member_state", ""),
        kind=s.get("kind", ""), language=s.get("language", ""),
        pillars=tuple(int(p) for p in str(s.get("pillars") or "").split(",") if p.isdigit()),
        themes=tuple(t for t in str(s.get("themes") or "").split(",") if t),
        year=int(year) if year.isdigit() else None, score=score, snippet=snippet,
        ocr=bool(s.get("ocr", False)), institution=s.get("institution", ""),
        date=s.get("date"), source_file=s.get("source_file", ""), pages=s.get("pages"))


def _page_docnums(
    opened: OpenIndex, lowered: wq.Query | None, docs: frozenset[int] | set[int],
    page: int, limit: int, sort: str, plan_weight: float,
) -> list[tuple[int, float | None]]:
    wanted = page * limit
    if lowered is None or not docs:
        return []
    if sort == SortOrder.RELEVANCE and not isinstance(lowered, wq.Every):
        ranked = Ranker(opened.evaluator, opened.facets, plan_weight).top(lowered, docs, wanted)
        return [(d, score) for d, score in ranked[wanted - limit:]]
    order = "country" if sort == SortOrder.COUNTRY else "date"
    best = heapq.nsmallest(wanted, docs, key=opened.sort_key(order).__getitem__)
    return [(d, None) for d in best[wanted - limit:]]


def _suggest(opened: OpenIndex, ctx: Lowering, parsed: wq.Query, text: str) -> str | None:
    """The query with each word that finds nothing replaced by its nearest index word."""
    corrected, changed = text, False
    for word in dict.fromkeys(free_terms(parsed)):
        lowered = lower(wq.Term(DEFAULT_FIELD, word), ctx)
        if lowered is None or opened.evaluator.docs(lowered):
            continue
        found = opened.searcher.suggest("body", fold(word), limit=1, maxdist=2, prefix=1)
        if found and found[0] != fold(word):
            pattern = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE)
            corrected, changed = pattern.sub(found[0], corrected), True
    return corrected if changed else None


def _highlight_terms(lowered: wq.Query | None) -> Iterator[tuple[str, str]]:
    """(field, word) of every leaf; a word pair counts as both words of the stem field."""
    pair_to_stem = {pair: STEM_FIELDS[lang] for lang, pair in PAIR_FIELDS.items()}
    for leaf in lowered.leaves() if lowered is not None else ():
        for field, text in leaf.terms(phrases=True):
            if field in pair_to_stem:
                for word in str(text).split(PAIR_SEP):
                    yield pair_to_stem[field], word
            else:
                yield field, str(text)


def _check_size(lowered: wq.Query | None, settings: IndexSettings) -> None:
    leaves = sum(1 for _ in lowered.leaves()) if lowered is not None else 0
    if leaves > settings.max_index_terms:
        raise QueryTooBroadError(
            f"The query expands to {leaves} index terms (limit {settings.max_index_terms}); "
            "use fewer words, or search without translation")


def _check_paging(page: int, limit: int, sort: str) -> str:
    if page < 1 or not 0 <= limit <= 1000:
        raise SearchIndexError(f"page must be >= 1 and limit 0..1000 (got page={page}, limit={limit})")
    try:
        return SortOrder(sort).value
    except ValueError:
        raise SearchIndexError(f"Unknown sort {sort!r}; use relevance, country or date") from None


def translated(parsed: wq.Query, known: Any, settings: IndexSettings = DEFAULT_SETTINGS) -> wq.Query:
    """``parsed`` with its words' translations OR-ed in and the thematic areas it names added
    (``known``: the vocabulary, index.vocabulary). An area the query names by the area's own
    names ranks its sections with the whole topic boost and brings the area's heaviest terms in
    the other languages; named by one of its terms only, half the boost (term_topic_share) and
    only that term's cognates (translate.translations)."""
    runs = word_runs(parsed)
    named = frozenset(a for words in runs for a in known.namer.topics(words))
    tree = expand(parsed, known.dictionary, Weights(settings.expansions_per_language, settings.expansion_boost),
                  named)
    if settings.topic_boost:
        codes = list(dict.fromkeys(a for words in runs for a in known.finder.topics(words)))
        whole = bool(named.intersection(codes))
        share = 1.0 if whole else settings.term_topic_share
        tree = add_topics(tree, codes, settings.topic_boost * share, settings.pillar_boost * share, match=whole)
    return tree


def search(
    index_dir: str | Path,
    query: str = "",
    filters: Filters | None = None,
    page: int = 1,
    limit: int = 10,
    sort: str = "relevance",
    translate: bool = True,
    *,
    settings: IndexSettings | None = None,
) -> SearchResult:
    """Full-text search with facet counts over the whole result set.

    >>> search("mispa-data/index", "domestic violence", {"pillar": [2]}).total  # doctest: +SKIP
    14
    """
    settings = settings or DEFAULT_SETTINGS
    sort = _check_paging(page, limit, sort)
    parsed = parse(query, settings)
    # the vocabulary is read from the index's cache when this process has none yet
    tree = translated(parsed, vocabulary(index_dir), settings) if translate else parsed
    opened = open_index(index_dir)
    ctx = Lowering(opened.searcher.reader(), settings, opened.labels, opened.analyzed)
    lowered = lower(tree, ctx)
    _check_size(lowered, settings)
    allowed = _filter_docs(opened, filters)
    docs = opened.evaluator.docs(lowered) if lowered is not None else frozenset()
    if allowed is not None:
        docs = docs & allowed
    terms = terms_by_field(_highlight_terms(lowered))
    hits = [
        _stored_hit(opened, d, score,
                    make_snippet(opened.searcher.stored_fields(d), terms, settings))
        for d, score in _page_docnums(opened, lowered, docs, page, limit, sort, settings.plan_weight)
    ]
    return SearchResult(
        query=query, total=len(docs), page=page, hits=hits, facets=opened.facets.count(docs),
        suggestion=_suggest(opened, ctx, parsed, query), expanded_query=describe(tree),
        limit=limit, sort=sort)


def similar(index_dir: str | Path, section_id: str, limit: int = 10,
            filters: Filters | None = None, other_states: bool = False) -> list[Hit]:
    """Sections most like `section_id`, in any language, the section itself left out.

    Its 15 most distinctive stemmed words (Bo1) find the sections of its language that say the
    same things; its thematic areas, weighted by its score for each (the `topics` field), find
    those of every language about the same things; and those of its words that name a concept of
    the glossary or the taxonomy, translated (``_translated``), rank the sections of the other
    languages that name it too. Ranked like a search: a section with the same areas, as strongly,
    gets as much as the best match on words (ranking.py), so the Portuguese, English and French
    practices on the same subject stand among the Spanish ones that share its words
    (bench/search_similar.py).
    ``filters``: as search's, the hits kept; ``other_states``: only sections of other Member
    States than the section's (a third of the hits are its own state's otherwise: other years'
    replies share its institutions' and places' names)."""
    opened = open_index(index_dir)
    searcher = opened.searcher
    docnum = searcher.document_number(id=section_id)
    if docnum is None:
        raise SectionNotFoundError(f"No section with id {section_id!r} in the search index")
    stored = searcher.stored_fields(docnum)
    field = STEM_FIELDS.get(str(stored.get("language")), "body")
    text = f"{stored.get('title', '')}\n{stored.get('body', '')}"
    key_terms = searcher.key_terms_from_text(field, text, numterms=15, normalize=True)
    words = [wq.Term(field, word, boost=weight) for word, weight in key_terms]
    profile = _area_profile(opened, docnum)
    total = sum(profile.values())
    areas = [wq.Term(TOPIC_FIELD, code, boost=score / total) for code, score in profile.items()]
    abroad = _translated(opened, text, vocabulary(index_dir).dictionary, field, dict(key_terms))
    like = wq.Or([*words, *abroad, *areas])
    # Candidates: the sections sharing a word, and those about one of its areas as strongly as
    # it counts them (not every section that names the area in passing: at 100,000 sections
    # their union alone took longer than the rest).
    docs = set(opened.evaluator.docs(wq.Or(words))) if words else set()
    for code in profile:
        docs |= opened.evaluator.postings(TOPIC_FIELD, code).strong(_PROFILE_MIN * TOPIC_SCALE)
    docs.discard(docnum)
    if other_states and stored.get("member_state"):
        docs -= opened.evaluator.term("member_state", stored["member_state"])
    allowed = _filter_docs(opened, filters)
    if allowed is not None:
        docs &= allowed
    ranked = Ranker(opened.evaluator, opened.facets).top(like, docs, limit)
    return [_stored_hit(opened, d, score, str(searcher.stored_fields(d).get("excerpt") or ""))
            for d, score in ranked]


_PROFILE_MIN = 0.5  # an area counts in a section's profile from this score up


def _translated(opened: OpenIndex, text: str, dictionary: Dictionary, field: str,
                key_terms: Mapping[str, float]) -> list[wq.Query]:
    """Each concept of ``dictionary`` (the glossary's and the taxonomy's) that ``text`` names with
    one of its key terms (``key_terms``: stem -> weight, in ``field``, the stem field of its
    language), in the other languages (``_in_other_languages``), weighted as the key term it
    translates (the heaviest of its words), so that a translation counts about as the word does:
    four leaves for one (a title and a stem field, two phrases a language) made a Portuguese
    campaign on domestic violence like ten English sections and none of Brazil's own.
    Lowered once per opened index and concept (``OpenIndex.lowered_translations``)."""
    ctx = Lowering(opened.searcher.reader(), DEFAULT_SETTINGS, opened.labels, opened.analyzed)
    if opened.translations_dictionary is not dictionary:
        opened.lowered_translations, opened.translations_dictionary = {}, dictionary
    cache = opened.lowered_translations
    out: list[wq.Query] = []
    for mention in mentions(content_words(text), dictionary):
        key = (field, mention.concepts, tuple(map(fold, mention.words)))
        if key not in cache:
            stems = tuple(stem for word in mention.words for stem in ctx.tokens(field, word))
            cache[key] = (stems, _in_other_languages(mention, ctx))
        stems, translated = cache[key]
        weight = max((key_terms.get(stem, 0.0) for stem in stems), default=0.0)
        if weight and translated is not None:
            out.append(wq.Or([translated], boost=weight))
    return out


def _in_other_languages(mention: Mention, ctx: Lowering) -> wq.Query | None:
    """The concept of ``mention`` in the languages it is not named in: per language, its phrase
    sharing most roots with the mention's words (for a taxonomy area's term, only one that shares
    some: the area's other terms are not its translations, see ``translations``), as an And of
    its words' stems; None when it has none."""
    languages = []
    for phrase in translations(mention.matches, mention.words, 1, 1.0):
        stem_field = STEM_FIELDS[phrase.fieldname.split("@", 1)[1]]
        words = phrase.words if isinstance(phrase, wq.Phrase) else [phrase.text]
        parts = [q for q in (ctx.stem_query(stem_field, w) for w in content_words(" ".join(words)))
                 if q is not None]
        if parts:
            languages.append(parts[0] if len(parts) == 1 else wq.And(parts))
    return wq.Or(languages) if languages else None


def _area_profile(opened: OpenIndex, docnum: int) -> dict[str, float]:
    """The thematic areas section ``docnum`` is about, with its score for each (0..1; 1 when
    tagged): those it names with a score of at least _PROFILE_MIN."""
    profile = {}
    for code in opened.searcher.reader().lexicon(TOPIC_FIELD):
        postings = opened.evaluator.postings(TOPIC_FIELD, code)
        if docnum in postings.docs and (score := area_score(postings, docnum)) >= _PROFILE_MIN:
            profile[code.decode() if isinstance(code, bytes) else code] = score
    return profile
