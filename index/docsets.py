"""Postings read a block at a time, and the set of ALL documents a query matches.

Whoosh walks postings one document at a time through Python matcher objects, which
is far too slow to collect tens of thousands of matches per query. Here a term's
postings are read per block (Whoosh 3 codec) into arrays, and And/Or/Not nodes
become C-level set operations; anything else (user phrases, Every with a field)
falls back to Whoosh's own `docs_for_query`. Document numbers are global.
"""

from __future__ import annotations

from array import array
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field

from whoosh import query
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import Matcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import IndexReader, TermNotFound
from whoosh.searching import Searcher

_CACHE_SIZE = 64  # postings per opened searcher (~1 MB each at 100,000 documents)


@dataclass
class Postings:
    """One term's live postings: sorted docnums and their weights (term frequency)."""

    ids: array  # type: ignore[type-arg]
    weights: array  # type: ignore[type-arg]
    _docs: frozenset[int] | None = field(default=None, repr=False)

    @property
    def docs(self) -> frozenset[int]:
        """The docnums as a set (built on first use)."""
        if self._docs is None:
            self._docs = frozenset(self.ids)
        return self._docs


def _read_leaf(matcher: Matcher, offset: int, ids: array, weights: array) -> None:  # type: ignore[type-arg]
    deleted: frozenset[int] | set[int] = frozenset()
    if isinstance(matcher, FilterMatcher) and matcher._exclude:
        deleted, matcher = matcher._ids, matcher.child
        matcher.reset()
    if not isinstance(matcher, W3LeafMatcher):
        while matcher.is_active():
            if matcher.id() not in deleted:
                ids.append(matcher.id() + offset)
                weights.append(matcher.weight())
            matcher.next()
        return
    # Private but stable in whoosh 2.7: _read_ids/_read_weights load the current block.
    while not matcher._atend:
        matcher._read_ids()
        matcher._read_weights()
        block_ids, block_weights = matcher._ids, matcher._weights
        if deleted:
            kept = [i for i, d in enumerate(block_ids) if d not in deleted]
            block_ids = [block_ids[i] for i in kept]
            block_weights = [block_weights[i] for i in kept]
        ids.extend([d + offset for d in block_ids] if offset else block_ids)
        weights.extend(block_weights)
        matcher._next_block()


def read_postings(reader: IndexReader, field_name: str, text: str | bytes) -> Postings:
    """All live postings of a term across segments (empty when the term is absent)."""
    ids, weights = array("I"), array("f")
    for leaf, offset in reader.leaf_readers():
        try:
            matcher = leaf.postings(field_name, text)
        except TermNotFound:
            continue
        _read_leaf(matcher, offset, ids, weights)
    return Postings(ids, weights)


class DocsetEvaluator:
    """Computes matched-document sets for one open searcher, caching postings."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self._all: frozenset[int] | None = None
        self._cache: OrderedDict[tuple[str, object], Postings] = OrderedDict()

    @property
    def all(self) -> frozenset[int]:
        """Every live document."""
        if self._all is None:
            self._all = frozenset(self.reader.all_doc_ids())
        return self._all

    def postings(self, field_name: str, text: str | bytes) -> Postings:
        """One term's postings, through a small LRU cache."""
        key = (field_name, text)
        found = self._cache.get(key)
        if found is None:
            found = read_postings(self.reader, field_name, text)
            self._cache[key] = found
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return found

    def term(self, field_name: str, text: str | bytes) -> frozenset[int]:
        """Documents containing one term."""
        return self.postings(field_name, text).docs

    @staticmethod
    def union(sets: Iterable[frozenset[int]]) -> frozenset[int]:
        """Union of several docsets."""
        result: set[int] = set()
        for s in sets:
            result.update(s)
        return frozenset(result)

    def docs(self, q: query.Query) -> frozenset[int]:
        """All live documents matching `q` (same semantics as Whoosh's matchers)."""
        if isinstance(q, query.Term):
            return self.term(q.fieldname, q.text)
        if isinstance(q, query.And):
            sets = sorted((self.docs(c) for c in q.subqueries), key=len)
            return frozenset(sets[0].intersection(*sets[1:])) if sets else frozenset()
        if isinstance(q, query.Or) and not getattr(q, "minmatch", 0):
            return self.union(self.docs(c) for c in q.subqueries)
        if isinstance(q, query.AndNot):
            return self.docs(q.a) - self.docs(q.b)
        if isinstance(q, query.AndMaybe):
            return self.docs(q.a)
        if isinstance(q, query.Require):
            return self.docs(q.a) & self.docs(q.b)
        if isinstance(q, query.Not):
            return self.all - self.docs(q.query)
        if isinstance(q, query.Every) and not q.fieldname:
            return self.all
        if q is query.NullQuery:
            return frozenset()
        return frozenset(self.searcher.docs_for_query(q))
