"""Relevance ranking: BM25 over the positive leaf terms of the lowered query.

Whoosh scores one posting at a time through a tree of Python matchers (~50 ms for a
broad query at 10,000 sections). Here each leaf term contributes
`boost * idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / average))`, with the
boosts of its ancestors multiplied in (translations weigh less than originals; the
title's field boost is already in its term frequencies).

When more than POOL documents match, a coarse pass first picks about POOL promising
ones with C-level set operations only: the matches of each leaf with a term frequency
of at least 4, then all its matches, heaviest leaves first, until the pool is full. Only
those get the exact score (length normalisation is ignored in the coarse pass).

Words typed without an operator are OR-ed (querying.py); a document matching k of the
query's n groups (a word, or a concept with its translations) has its score scaled by
k / n, so the sections that match the whole query come first. A facet leaf such as
`topics:2.4` (a thematic area the query names, topics.py) adds its boost times the best
text score times the section's score for that area: with boost 1, a section the
classifier finds squarely about the area (score 1) scores at least as well as the best
match on words alone.

A national plan's score is then multiplied by `plan_weight` (IndexSettings): a plan spans most
thematic areas and names each at length, and would otherwise fill the first page of a topical
search that is looking for programs and practices.
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterator
from itertools import islice

from whoosh import query

from index.docsets import DocsetEvaluator, Postings
from index.facets import FacetTable
from index.querying import side_by_side
from index.schema import FACET_FIELDS, TOPIC_FIELD, TOPIC_SCALE

K1, B = 1.2, 0.75
POOL = 1500
_TIERS = (4.0, 0.0)  # term-frequency floors of the coarse pass, strongest first
DocSet = frozenset[int] | set[int]
_Leaf = tuple[query.Query, float, Postings | None, DocSet | None]  # see Ranker._leaves


def positive_leaves(q: query.Query, boost: float = 1.0,
                    within: tuple[query.Query, ...] = ()) -> Iterator[tuple[query.Query, float, tuple[query.Query, ...]]]:
    """(Term or Phrase, product of boosts, the And nodes above it) for every leaf not under a NOT.

    A leaf under an And scores only in the documents that match that And (all of them): the words
    of a translated phrase ("tráfico ilícito de drogas": tráfico AND ilícito AND drogas) must not
    score, one by one, in a section about "tráfico ilícito de armas" that is among the results for
    another reason (its thematic area)."""
    weight = boost * getattr(q, "boost", 1.0)
    if isinstance(q, (query.Term, query.Phrase)):
        yield q, weight, within
    elif isinstance(q, query.Not):
        return
    elif isinstance(q, query.AndNot):
        yield from positive_leaves(q.a, weight, within)
    else:
        inner = (*within, q) if isinstance(q, query.And) else within
        for child in q.children():
            yield from positive_leaves(child, weight, inner)


def _length_kind(field: str) -> str:
    if field in FACET_FIELDS or field == TOPIC_FIELD:
        return "tag"
    return "stem" if field.startswith("stem_") else ("title" if field == "title" else "body")


def area_score(postings: Postings, doc: int) -> float:
    """A section's score (0..1) for the thematic area of ``postings`` (a `topics` term), which it is in."""
    return min(1.0, postings.weights[bisect_left(postings.ids, doc)] / TOPIC_SCALE)


def _strength(postings: Postings, doc: int, topic: bool) -> float:
    """A topic's weight in a section (its score, 0..1); 1 for a facet value."""
    return area_score(postings, doc) if topic else 1.0


class Ranker:
    """Scores the documents of one result set for one lowered query."""

    def __init__(self, evaluator: DocsetEvaluator, table: FacetTable, plan_weight: float = 1.0) -> None:
        self.evaluator = evaluator
        self.table = table
        self.plan_weight = plan_weight
        self.n = max(1, evaluator.reader.doc_count())

    def _idf(self, df: int) -> float:
        return math.log(1.0 + (self.n - df + 0.5) / (df + 0.5))

    def _leaves(self, lowered: query.Query) -> list[_Leaf]:
        """(leaf, weight, postings, the documents it may score in: None for any) of the positive
        leaves; a leaf under an And scores only in the documents matching it (``positive_leaves``)."""
        leaves: list[_Leaf] = []
        allowed: dict[tuple[int, ...], DocSet] = {}  # by the ids of the And nodes: a phrase's words share them
        for leaf, weight, within in positive_leaves(lowered):
            postings = self.evaluator.postings(leaf.fieldname, leaf.text) if isinstance(leaf, query.Term) else None
            key = tuple(map(id, within))
            if within and key not in allowed:
                allowed[key] = self._matching(within)
            leaves.append((leaf, weight, postings, allowed[key] if within else None))
        return leaves

    def _matching(self, groups: tuple[query.Query, ...]) -> DocSet:
        """The documents that match every one of ``groups``."""
        found = self.evaluator.docs(groups[0])
        for group in groups[1:]:
            found = found & self.evaluator.docs(group)
        return found

    def _pool(self, leaves: list[_Leaf], docs: DocSet, size: int) -> DocSet:
        if len(docs) <= size:
            return docs
        weighted = sorted(((w * self._idf(len(p.ids)), p) for _, w, p, _ in leaves
                           if p is not None and p.ids), key=lambda wp: -wp[0])
        pool: set[int] = set()
        for tier in _TIERS:
            for _, postings in weighted:
                strong = tier and len(postings.ids) > size  # small leaves: take them whole
                found = postings.strong(tier) & docs if strong else postings.docs & docs
                room = 2 * size - len(pool)
                pool.update(found if len(found) <= room else islice(found - pool, room))
                if len(pool) >= size:
                    return pool
        # Too few scored candidates (e.g. `NOT x`): fill with any matching documents.
        pool.update(islice(docs - pool, size - len(pool)))
        return pool

    def _term_scores(self, postings: Postings, weight: float, kind: str, pool: DocSet,
                     scores: dict[int, float]) -> None:
        ids, tfs = postings.ids, postings.weights
        lengths, average = self.table.lengths[kind], self.table.average.get(kind, 1.0) or 1.0
        factor = weight * self._idf(len(ids)) * (K1 + 1)
        norm_b = K1 * B / average
        for doc in pool & postings.docs if len(pool) < len(ids) else postings.docs & pool:
            tf = tfs[bisect_left(ids, doc)]
            scores[doc] += factor * tf / (tf + K1 * (1 - B) + norm_b * lengths[doc])

    def _coordinate(self, lowered: query.Query, pool: DocSet, scores: dict[int, float]) -> None:
        """Scale each score by the share of the top-level OR's groups of words the document
        matches (topics:<code> and themes:<code> terms are not words: their bonus comes after, in top())."""
        alternatives = side_by_side(lowered)
        words = [g for g in alternatives.subqueries if _length_kind(getattr(g, "fieldname", "")) != "tag"] \
            if alternatives is not None else []
        if len(words) < 2:
            return
        matched: Counter[int] = Counter()  # the pool's documents: how many groups each matches
        for group in words:
            found = self.evaluator.docs(group)
            matched.update(pool & found if len(pool) < len(found) else found & pool)
        for doc in pool:
            scores[doc] *= matched[doc] / len(words)

    def top(self, lowered: query.Query, docs: DocSet, wanted: int) -> list[tuple[int, float]]:
        """The `wanted` best (docnum, score) pairs of `docs`, best first."""
        leaves = self._leaves(lowered)
        pool = self._pool(leaves, docs, max(POOL, wanted))
        scores = dict.fromkeys(pool, 0.0)
        tags, words = [], []
        for item in leaves:
            is_tag = item[2] is not None and _length_kind(item[0].fieldname) == "tag"
            (tags if is_tag else words).append(item)
        for leaf, weight, postings, allowed in words:
            scored = pool if allowed is None else pool & allowed
            if postings is not None:
                if postings.ids:
                    self._term_scores(postings, weight, _length_kind(leaf.fieldname), scored, scores)
                continue
            matched = self.evaluator.docs(leaf)  # a user phrase: constant weight
            bonus = weight * self._idf(len(matched)) * len(getattr(leaf, "words", [1]))
            for doc in scored & matched:
                scores[doc] += bonus
        self._coordinate(lowered, pool, scores)
        best_text = max(scores.values(), default=0.0) or 1.0
        for leaf, weight, postings, allowed in tags:
            for doc in (pool if allowed is None else pool & allowed) & postings.docs:
                scores[doc] += weight * best_text * _strength(postings, doc, leaf.fieldname == TOPIC_FIELD)
        if self.plan_weight != 1.0:
            for doc in pool & self.evaluator.term("kind", "plan"):
                scores[doc] *= self.plan_weight
        best = heapq.nsmallest(wanted, scores.items(), key=lambda kv: (-kv[1], kv[0]))
        return [(doc, score) for doc, score in best]
