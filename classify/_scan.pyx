# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# distutils: language = c++
"""The terms of one doc, found and kept as ``Matcher.kept`` does in Python, in one pass of C.

``Scanner.kept(doc)`` gives what ``hits.in_chars(doc, hits._longest(matcher.find(doc),
matcher.terms))`` gives: the NORM matcher's matches (its ``find_matches``, called directly, so no
(match id, start, end) tuple and no callback lookup is made for each match), the acronyms checked
at their hints' places and put after them in the ORTH matcher's order, then the matches inside a
longer one of the same pillar left out, each as (term, first character, end character). Only the
kept matches become Python objects. ``tests/test_classify_scan.py`` checks that both give the same
on the corpus.

This file is compiled against spaCy's own declarations (``.pxd``): its ``PhraseMatcher`` and
``Doc`` structures must be those of the spaCy it runs with, so setup.py writes the version it
was built against into it and ``classify.engine`` uses it only with that version.
"""

from libc.stdint cimport uint64_t
from libcpp.algorithm cimport sort
from libcpp.pair cimport pair
from libcpp.vector cimport vector
from spacy.matcher.phrasematcher cimport PhraseMatcher
from spacy.structs cimport SpanC
from spacy.tokens.doc cimport Doc

ctypedef pair[uint64_t, uint64_t] Key
cdef uint64_t _LOW = 0xFFFFFFFF  # the low 32 bits


cdef class Scanner:
    """The NORM matcher of one ``Matcher`` and its terms, as C arrays."""

    cdef PhraseMatcher matcher
    cdef vector[uint64_t] ids  # every match id of the NORM matcher, sorted
    cdef vector[int] slot  # per id of ``ids``: its term's index, or -1 - its hint's index
    cdef vector[int] pillar  # per term index: its pillar's index among the pillars
    cdef list terms  # per term index: the Term
    cdef vector[int] hint_term  # per hint: its acronym's term index
    cdef vector[int] hint_rank  # per hint: the acronym's rank (see engine.Matcher._add_acronym_hints)
    cdef vector[vector[uint64_t]] hint_words  # per hint: the acronym's words (ORTH)
    cdef int n_pillars

    def __init__(self, PhraseMatcher matcher, terms, hints):
        """``terms``: Term by match id; ``hints``: (acronym's match id, its words, its rank) by
        the match id of its NORM pattern (engine's ``_Hint``), or None when there are none."""
        self.matcher = matcher
        self.terms = []
        index, pillars = {}, {}
        for match_id, term in terms.items():
            index[match_id] = len(self.terms)
            self.pillar.push_back(pillars.setdefault(term.pillar, len(pillars)))
            self.terms.append(term)
        self.n_pillars = len(pillars)
        if self.n_pillars > 8:  # a rank takes 3 bits of the sort key (_key)
            raise ValueError(f"the scanner packs at most 8 pillars, the taxonomy has {self.n_pillars}")
        slots = dict(index)
        for hint_id, (match_id, words, rank) in (hints or {}).items():
            slots[hint_id] = -1 - <int>self.hint_term.size()
            self.hint_term.push_back(index[match_id])
            self.hint_rank.push_back(rank)
            self.hint_words.push_back(words)
        for match_id in sorted(slots):
            self.ids.push_back(match_id)
            self.slot.push_back(slots[match_id])

    cdef int _slot(self, uint64_t match_id) noexcept nogil:
        """The slot of ``match_id`` (a binary search of ``ids``); the matcher knows no other."""
        cdef size_t low = 0, high = self.ids.size(), mid
        while low < high:
            mid = (low + high) // 2
            if self.ids[mid] < match_id:
                low = mid + 1
            else:
                high = mid
        return self.slot[low]

    def kept(self, Doc doc):
        """The (term, first character, end character) of the terms in ``doc`` that ``hits._longest``
        keeps of ``find(doc)``, in its order."""
        cdef vector[SpanC] found
        cdef vector[Key] keyed, acronyms
        cdef Key acronym
        cdef vector[int] rank, reach_start, reach_end
        cdef int s, t, h, r, k, start, end, n_ranks = 0
        cdef size_t i, index = 0
        cdef bint same
        if doc.length == 0:
            return []
        if doc.length >= 1 << 29:  # a start takes 29 bits of the sort key (_key)
            raise ValueError(f"the scanner reads at most 2**29 tokens, the doc has {doc.length}")
        self.matcher.find_matches(doc, 0, doc.length, &found)
        rank.assign(self.n_pillars, -1)
        for i in range(found.size()):
            s = self._slot(found[i].label)
            start, end = found[i].start, found[i].end
            if s < 0:  # an acronym's hint: the acronym when the words are its own
                h = -1 - s
                same = <size_t>(end - start) == self.hint_words[h].size()
                k = 0
                while same and k < end - start:
                    same = doc.c[start + k].lex.orth == self.hint_words[h][k]
                    k += 1
                if same:
                    acronym.first = (<uint64_t>start << 32) | <uint64_t>end
                    acronym.second = (<uint64_t>self.hint_rank[h] << 32) | <uint64_t>self.hint_term[h]
                    acronyms.push_back(acronym)
                continue
            r = _rank(rank, self.pillar[s], &n_ranks)
            keyed.push_back(_key(start, r, end, index, s))
            index += 1
        sort(acronyms.begin(), acronyms.end())  # the ORTH matcher's order: by start, shorter first
        for i in range(acronyms.size()):
            t = acronyms[i].second & _LOW
            r = _rank(rank, self.pillar[t], &n_ranks)
            keyed.push_back(_key(acronyms[i].first >> 32, r, acronyms[i].first & _LOW, index, t))
            index += 1
        sort(keyed.begin(), keyed.end())  # by start, then pillar by rank, longest first, then index
        reach_start.assign(n_ranks, -1)
        reach_end.assign(n_ranks, -1)
        kept = []
        terms = self.terms
        for i in range(keyed.size()):
            start = keyed[i].first >> 35
            r = (keyed[i].first >> 32) & 7
            end = _LOW - (keyed[i].first & _LOW)
            if end > reach_end[r]:
                reach_start[r], reach_end[r] = start, end
            elif end != reach_end[r] or start != reach_start[r]:
                continue
            kept.append((terms[keyed[i].second & _LOW], doc.c[start].idx, doc.c[end - 1].idx + doc.c[end - 1].lex.length))
        return kept


cdef inline int _rank(vector[int]& rank, int pillar, int* n_ranks) noexcept nogil:
    """The rank of ``pillar`` among the pillars in order of first match; a new one takes the next."""
    if rank[pillar] < 0:
        rank[pillar] = n_ranks[0]
        n_ranks[0] += 1
    return rank[pillar]


cdef inline Key _key(uint64_t start, uint64_t rank, uint64_t end, uint64_t index, uint64_t term) noexcept nogil:
    """(start, pillar rank, -end) and (index, term) packed in two integers that sort as the tuples."""
    cdef Key key
    key.first = (start << 35) | (rank << 32) | (_LOW - end)
    key.second = (index << 32) | term
    return key

