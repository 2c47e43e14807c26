"""Postings read a block at a time, and the set of ALL documents a query matches.

Whoosh walks postings one document at a time through Python matcher objects, which
is far too slow to collect tens of thousands of matches per query. Here a term's
postings are read per block (Whoosh 3 codec) into arrays, and And/Or/Not nodes
become C-level set operations; anything else (user phrases, Every with a field)
falls back to Whoosh's own `docs_for_query`. Document numbers are global.
"""

from __future__ import annotations

import threading
from array import array
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import accumulate, compress, repeat
from typing import Protocol

from whoosh import query
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import Matcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import IndexReader, TermNotFound
from whoosh.searching import Searcher

_CACHE_POSTINGS = 3_000_000  # postings kept per opened searcher (~50 bytes each with sets)
_NODE_CACHE_SIZE = 32  # docsets of compound query nodes (up to ~4 MB each)


class HotStore(Protocol):
    """Somewhere postings may already be at hand (hotpostings.HotPostings)."""

    def get(self, field: str, text: str | bytes) -> Postings | None: ...


@dataclass
class Postings:
    """One term's live postings: sorted docnums and their weights (term frequency)."""

    ids: array  # type: ignore[type-arg]
    weights: array  # type: ignore[type-arg]
    _docs: frozenset[int] | None = field(default=None, repr=False)
    _strong: dict[float, frozenset[int]] = field(default_factory=dict, repr=False)

    @property
    def docs(self) -> frozenset[int]:
        """The docnums as a set (built on first use)."""
        if self._docs is None:
            self._docs = frozenset(self.ids)
        return self._docs

    def strong(self, min_weight: float) -> frozenset[int]:
        """Docnums whose weight is at least `min_weight` (built in C, kept)."""
        found = self._strong.get(min_weight)
        if found is None:
            found = frozenset(compress(self.ids, map(min_weight.__le__, self.weights)))
            self._strong[min_weight] = found
        return found


def _block(matcher: W3LeafMatcher) -> tuple[Iterable[int], Iterable[float]]:
    # Private but stable in whoosh 2.7: _read_data() loads the current block's tuple
    # (delta-coded ids, weights, ...). Decoding with accumulate() runs in C, where
    # Whoosh's _read_ids() runs a Python generator per posting.
    matcher._read_data()
    raw_ids, raw_weights = matcher._data[0], matcher._data[1]
    ids = raw_ids if matcher._byteids else accumulate(raw_ids)
    count = matcher._blocklength
    if raw_weights is None:
        return ids, repeat(1.0, count)
    if isinstance(raw_weights, float):
        return ids, repeat(raw_weights, count)
    return ids, raw_weights


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
    while not matcher._atend:
        block_ids, block_weights = _block(matcher)
        if deleted:
            pairs = [(d, w) for d, w in zip(block_ids, block_weights, strict=True) if d not in deleted]
            block_ids, block_weights = [d for d, _ in pairs], [w for _, w in pairs]
        ids.extend(map(offset.__add__, block_ids) if offset else block_ids)
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

    def __init__(self, searcher: Searcher, hot: HotStore | None = None) -> None:
        self.searcher = searcher
        self.hot = hot
        self.reader = searcher.reader()
        self._all: frozenset[int] | None = None
        self._cache: OrderedDict[tuple[str, object], Postings] = OrderedDict()
        self._cached_postings = 0
        self._nodes: OrderedDict[query.Query, frozenset[int]] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def all(self) -> frozenset[int]:
        """Every live document."""
        if self._all is None:
            self._all = frozenset(self.reader.all_doc_ids())
        return self._all

    def postings(self, field_name: str, text: str | bytes) -> Postings:
        """One term's postings, through a small LRU cache."""
        key = (field_name, text)
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                return found
        found = self.hot.get(field_name, text) if self.hot is not None else None
        if found is None:
            found = read_postings(self.reader, field_name, text)
        with self._lock:
            if key not in self._cache:
                self._cache[key] = found
                self._cached_postings += len(found.ids)
            while self._cached_postings > _CACHE_POSTINGS and len(self._cache) > 1:
                _, dropped = self._cache.popitem(last=False)
                self._cached_postings -= len(dropped.ids)
        return found

    def term(self, field_name: str, text: str | bytes) -> frozenset[int]:
        """Documents containing one term."""
        return self.postings(field_name, text).docs

    @staticmethod
    def union(sets: Iterable[frozenset[int]]) -> frozenset[int]:
        """Union of several docsets."""
        return frozenset().union(*sets)

    def docs(self, q: query.Query) -> frozenset[int]:
        """All live documents matching `q`, compound nodes through a small LRU cache
        (a word's expansion recurs across queries)."""
        if isinstance(q, query.Term):
            return self.term(q.fieldname, q.text)
        with self._lock:
            found = self._nodes.get(q)
            if found is not None:
                self._nodes.move_to_end(q)
                return found
        found = self._docs(q)
        with self._lock:
            self._nodes[q] = found
            if len(self._nodes) > _NODE_CACHE_SIZE:
                self._nodes.popitem(last=False)
        return found

    def _docs(self, q: query.Query) -> frozenset[int]:
        if isinstance(q, query.And):
            sets = sorted((self.docs(c) for c in q.subqueries), key=len)
            return sets[0].intersection(*sets[1:]) if sets else frozenset()
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
