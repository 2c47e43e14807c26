"""The tagger's work on one section once its text is tokenized and its terms found: the matches
counted field by field, the scores of areas and pillars, the tags chosen with their evidence, and
the flags. The rules are described in ``classify.engine``; the numbers are in
``taxonomy/scoring.toml``.

This module is plain Python. At install, when a C compiler is at hand, setup.py also compiles
this very source with Cython into ``classify._hits_c`` (the types of a few loop variables are in
``hits.pxd``), which makes tagging 5 to 10% faster (``bench/classify.py`` times both). ``best()``
gives the compiled twin when it was built from this file as it is now, and this module otherwise
(or when the environment sets MISPA_PURE_PYTHON=1). Both give the same results
(``tests/test_classify_hits.py``).
"""

from __future__ import annotations

import math
import re
import sys
from dataclasses import fields
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Mapping

from ingest.model import Evidence, Tag

from . import builds
from .taxonomy import Taxonomy, Term

if TYPE_CHECKING:
    from .engine import SectionInput

COMPILED = "classify._hits_c"  # the module setup.py compiles this file into
STALE_BUILD = "plain Python (the compiled module predates an edit of hits.py: reinstall to rebuild)"
_SKIP_FIELDS = {"member_state", "declared_pillar", "contact_person", "job_title", "phone", "email",
                "institution_name"}


def best() -> ModuleType:
    """The compiled twin of this module when it was built from this file as it is now; this module
    otherwise (see ``status``)."""
    return choice()[0]


def status() -> str:
    """Which of the two runs, and why: "compiled", or "plain Python (...)" with the reason."""
    return choice()[1]


def choice() -> tuple[ModuleType, str]:
    """``best()`` and ``status()`` together."""
    compiled, why = builds.load(COMPILED, Path(__file__))
    if compiled is not None:
        return compiled, f"compiled ({COMPILED})"
    return sys.modules[__name__], {"off": builds.PURE_PYTHON, "stale": STALE_BUILD,
                                   "missing": "plain Python (no compiled module: no Cython or C compiler at install)"}[why]


def source_sha256() -> str:
    """The SHA-256 of this module's source file (setup.py writes it into the compiled twin)."""
    return builds.sha256_of(Path(__file__)) or ""


def read_views(section: SectionInput) -> list[tuple[str, str]]:
    """The fields read, (name, text): the title, the content fields, the body."""
    views = [("title", section.title)]
    views += [(k, v) for k, v in section.fields.items() if k not in _SKIP_FIELDS and v]
    if section.body:
        views.append(("body", section.body))
    return views


def join_views(views: list[tuple[str, str]]) -> tuple[str, list[int]]:
    """All fields in one text (tokenized once), with each field's start offset.

    Fields are separated by a blank line and a pilcrow, so no phrase matches across two fields.
    A single line break inside a field (a PDF cell's or a wrapped line's) is read as a space: the
    tokenizer makes it a token of its own, which would cut "violencia / doméstica" in two. The
    offsets stay those of the field's text (one character for one).
    """
    parts, starts, pos = [], [], 0
    for _, text in views:
        starts.append(pos)
        parts.append(_LINE_BREAK.sub(" ", text) if "\n" in text else text)
        pos += len(text) + len(_SEPARATOR)
    return _SEPARATOR.join(parts), starts


_SEPARATOR = "\n\n¶\n\n"
_LINE_BREAK = re.compile(r"(?<!\n)\n(?!\n)")  # a line break that is not part of a blank line


def decide(kept: list[tuple[Term, int, int]], views: list[tuple[str, str]], starts: list[int],
           declared: tuple[int, ...], declared_areas: tuple[str, ...], taxonomy: Taxonomy,
           cfg: dict[str, Any]) -> tuple[list[Tag], list[str], dict[int, float], dict[str, float]]:
    """What one section's matches come to: its tags (pillars, then themes, each with score,
    source and evidence), flags, the text's score of each pillar, and of every area it names.

    ``kept``: the terms found in ``join_views(views)`` (whose fields start at the characters
    ``starts``), as ``_longest`` keeps them, each with its first and end character (``in_chars``);
    ``declared``: the pillars (and ``declared_areas``, the areas) the reply's own field names;
    ``cfg``: scoring.toml.
    """
    decision = cfg["decision"]
    area_raw, pillar_raw, evidence = _collect(kept, views, starts, cfg)
    sat = decision["saturation"]
    area_score = {a: 1 - math.exp(-v / sat) for a, v in area_raw.items()}
    pillar_score = {p: 1 - math.exp(-v / sat) for p, v in pillar_raw.items()}
    chosen = _choose_pillars(pillar_score, declared, decision)
    tags = [_tag("pillar", str(p), 1.0 if p in declared else round(pillar_score.get(p, 0.0), 4),
                 "declared" if p in declared else "text", evidence.get(str(p), ()))
            for p in sorted(chosen)]
    for code in _choose_themes(chosen, area_score, declared_areas, taxonomy, decision):
        source = "declared" if code in declared_areas else "text"
        tags.append(_tag("theme", code, 1.0 if source == "declared" else round(area_score.get(code, 0.0), 4),
                         source, evidence.get(code, ())))
    return (tags, _flags(declared, pillar_score, chosen, decision), pillar_score,
            {a: round(s, 3) for a, s in sorted(area_score.items()) if s >= 0.001})


def _field_weights(views: list[tuple[str, str]], weights: Mapping[str, float]) -> list[float]:
    """The weight of each field of ``views``, in order."""
    return [weights.get(name, weights["default"]) for name, _ in views]


@lru_cache(maxsize=4096)
def _weight(term_weight: float, field_weight: float) -> float:
    """A match's evidence weight (cached: few distinct pairs, and ``round`` is slow)."""
    return round(term_weight * field_weight, 3)


def _repeat_counters(views: list[tuple[str, str]]) -> list[dict[str, int]]:
    """Per field of ``views``, a count of each term's matches (fields of one name share one)."""
    by_name: dict[str, dict[str, int]] = {}
    return [by_name.setdefault(name, {}) for name, _ in views]


def _collect(kept: list[tuple[Term, int, int]], views: list[tuple[str, str]], starts: list[int],
             cfg: dict[str, Any]) -> tuple[dict[str, float], dict[int, float], _Evidence]:
    """Raw evidence sums per area and per pillar, and the evidence of each area and pillar."""
    strong, weak = _counted(kept, starts, views, cfg)
    strong_pillars = {hits[0][0].pillar for hits in strong.values()}  # an area lies in one pillar
    for hit in weak:
        term = hit[0]
        area = term.area
        if area in strong:
            strong[area].append(hit)
        elif "." not in area and term.pillar in strong_pillars:  # a pillar term (Term.is_pillar_term)
            strong[area] = [hit]
    area_raw: dict[str, float] = {}
    pillar_raw: dict[int, float] = {}
    pillar_areas: dict[str, list[str]] = {}
    for area, hits in strong.items():
        total = sum(map(_WEIGHT, hits))
        pillar = hits[0][0].pillar
        if "." in area:
            area_raw[area] = total
        pillar_raw[pillar] = pillar_raw.get(pillar, 0.0) + total
        pillar_areas.setdefault(str(pillar), []).append(area)
    return area_raw, pillar_raw, _Evidence(views, starts, strong, pillar_areas)


def in_chars(doc: Any, kept: list[tuple[Term, int, int]]) -> list[tuple[Term, int, int]]:
    """The (term, start token, end token) matches of ``doc`` as (term, first character, end
    character), the offsets ``decide`` reads (the compiled scanner gives them so directly)."""
    out = []
    for term, first, stop in kept:
        token = doc[first]
        start = token.idx
        if stop - first > 1:
            token = doc[stop - 1]
        out.append((term, start, token.idx + len(token)))
    return out


# A counted match: (term, field index, first character, end character, evidence weight).
_Hit = tuple[Term, int, int, int, float]
_WEIGHT = itemgetter(4)


def _counted(kept: list[tuple[Term, int, int]], starts: list[int], views: list[tuple[str, str]],
             cfg: dict[str, Any]) -> tuple[dict[str, list[_Hit]], list[_Hit]]:
    """The (term, first character, end character) matches of ``views`` (fields starting at the
    characters ``starts``) that ``_longest`` keeps, in its order, each term counted at most
    ``max_repeats`` times per field, as hits: strong terms by area, and weak terms."""
    field_weights = _field_weights(views, cfg["field_weights"])
    counts, repeats = _repeat_counters(views), cfg["decision"]["max_repeats"]
    strong: dict[str, list[_Hit]] = {}
    weak: list[_Hit] = []
    n, next_field = 0, [*starts[1:], sys.maxsize]  # the field of the matches, and where the next starts
    counter, field_weight, next_start = counts[0], field_weights[0], next_field[0]
    for term, first, stop in kept:
        if first >= next_start:  # the match lies in a later field
            while first >= next_field[n]:
                n += 1
            counter, field_weight, next_start = counts[n], field_weights[n], next_field[n]
        text = term.text
        counter[text] = count = counter.get(text, 0) + 1
        if count <= repeats:
            hit = (term, n, first, stop, _weight(term.weight, field_weight))
            if term.weak:
                weak.append(hit)
            elif term.area in strong:
                strong[term.area].append(hit)
            else:
                strong[term.area] = [hit]
    return strong, weak


class _Evidence:
    """The evidence of each area ("2.4") and pillar ("2") that has any, read like a dict with
    ``get``. An ``Evidence`` record (text and offsets in its field) is only made for the tags
    that ask for it: most matches feed no kept tag."""

    __slots__ = ("_views", "_starts", "_hits", "_pillar_areas", "_made")

    def __init__(self, views: list[tuple[str, str]], starts: list[int], hits: dict[str, list[_Hit]],
                 pillar_areas: dict[str, list[str]]) -> None:
        self._views, self._starts = views, starts
        self._hits, self._pillar_areas = hits, pillar_areas
        self._made: dict[str, tuple[Evidence, ...]] = {}

    def get(self, code: str, default: tuple[Evidence, ...] = ()) -> tuple[Evidence, ...]:
        """The evidence of area or pillar ``code`` in match order (a pillar's: area by area)."""
        if "." in code:
            return self._area(code) if code in self._hits else default
        areas = self._pillar_areas.get(code)
        if not areas:
            return default
        records = self._area(areas[0])
        for area in areas[1:]:
            records += self._area(area)
        return records

    def _area(self, area: str) -> tuple[Evidence, ...]:
        """The evidence of ``area``: each hit's text and offsets in its field, and weight."""
        made = self._made.get(area)
        if made is None:
            views, starts = self._views, self._starts
            set_term, set_field, set_start, set_end, set_weight = _EVIDENCE_SLOTS
            records = []
            for _, n, start, end, weight in self._hits[area]:
                base = starts[n]
                start, end = start - base, end - base  # in the field's own text
                name, text = views[n]
                record = _new(Evidence)  # Evidence(term, field, start, end, weight), made faster (see _SLOTS)
                set_term(record, text[start:end])  # as written (a line break inside stays one)
                set_field(record, name)
                set_start(record, start)
                set_end(record, end)
                set_weight(record, weight)
                records.append(record)
            made = self._made[area] = tuple(records)
        return made


def _tag(kind: str, code: str, score: float, source: str, evidence: tuple[Evidence, ...]) -> Tag:
    """``Tag(kind, code, score, source, evidence)``, made faster (see ``_SLOTS``)."""
    tag = _new(Tag)
    set_kind, set_code, set_score, set_source, set_evidence = _TAG_SLOTS
    set_kind(tag, kind)
    set_code(tag, code)
    set_score(tag, score)
    set_source(tag, source)
    set_evidence(tag, evidence)
    return tag


def _slots(cls: Any, names: tuple[str, ...]) -> tuple[Any, ...]:
    """The setters of the slots ``names`` of the frozen dataclass ``cls``, in its fields' order.

    _SLOTS: a frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``, the
    costliest step of making the dozen or so Evidence and Tag records a section gets; setting
    the slots directly makes the same object in half the time. Only for a class whose fields are
    ``names`` (all given) and that has no ``__post_init__`` to skip.
    """
    if tuple(f.name for f in fields(cls)) != names or hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__}: fields are not {names}, or it has a __post_init__")
    return tuple(cls.__dict__[name].__set__ for name in names)


_new = object.__new__
_EVIDENCE_SLOTS = _slots(Evidence, ("term", "field", "start", "end", "weight"))
_TAG_SLOTS = _slots(Tag, ("kind", "code", "score", "source", "evidence"))


def _longest(matches: list[tuple[int, int, int]],
             terms: Mapping[int, Term]) -> list[tuple[Term, int, int]]:
    """The (match id, start, end) matches not inside a longer one of the same pillar ("violencia"
    inside "violencia doméstica"), as (term, start, end) in ``_by_start`` order. The same span
    matched again by another term of the pillar is kept."""
    keyed, pillars = _by_start(matches, terms)
    reach_start, reach_end = [-1] * pillars, [-1] * pillars  # each pillar's last kept span
    kept = []
    for start, r, neg_end, _, term in keyed:
        end = -neg_end
        if end > reach_end[r]:
            reach_start[r], reach_end[r] = start, end
        elif end != reach_end[r] or start != reach_start[r]:
            continue
        kept.append((term, start, end))
    return kept


def _by_start(matches: list[tuple[int, int, int]],
              terms: Mapping[int, Term]) -> tuple[list[tuple[int, int, int, int, Term]], int]:
    """The matches as (start, pillar rank, -end, index, term), sorted: by start; at one start,
    pillar by pillar in order of first match, longest first. And the number of pillars.

    One sort of plain tuples, compared in C (the index is unique, so terms are never compared).
    """
    rank: dict[int, int] = {}
    keyed = [(start, rank.setdefault((term := terms[key]).pillar, len(rank)), -end, i, term)
             for i, (key, start, end) in enumerate(matches)]
    keyed.sort()
    return keyed, len(rank)


def _choose_pillars(scores: dict[int, float], declared: tuple[int, ...], d: dict[str, float]) -> set[int]:
    """The declared pillars and any the text makes strong; with none declared, the text's.

    When the text does not support any declared pillar (none reaches ``pillar_min``), the reply's
    field is likely a slip, and the pillars the text would choose on its own are added too (the
    section is flagged ``conflict`` for review)."""
    best = max(scores.values(), default=0.0)
    chosen = {p for p, s in scores.items() if s >= d["pillar_min"] and s >= d["pillar_ratio"] * best}
    if declared:
        if any(scores.get(p, 0.0) >= d["pillar_min"] for p in declared):
            chosen = {p for p, s in scores.items()
                      if s >= d["add_to_declared_min"] and s >= d["add_to_declared_ratio"] * best}
        return set(declared) | chosen
    if not chosen and best >= d["pillar_fallback_min"]:  # a best guess, flagged low_confidence
        chosen = {max(scores, key=scores.__getitem__)}
    return chosen


def _choose_themes(pillars: set[int], area_score: dict[str, float], declared_areas: tuple[str, ...],
                   taxonomy: Taxonomy, d: dict[str, float]) -> list[str]:
    chosen = set(declared_areas)
    for p in pillars:
        candidates = {a: s for a, s in area_score.items() if taxonomy.areas[a].pillar == p and s >= d["theme_min"]}
        if not candidates:
            continue
        top = max(candidates.values())
        chosen |= {a for a, s in candidates.items()
                   if s >= d["theme_ratio"] * top or s >= d.get("theme_strong", 1.0)}
    return sorted(chosen)


def _flags(declared: tuple[int, ...], scores: dict[int, float], chosen: set[int], d: dict[str, float]) -> list[str]:
    flags = []
    best = max(scores, key=scores.__getitem__) if scores else None
    if declared and best is not None and best not in declared and scores[best] >= d["pillar_min"]:
        flags.append("conflict")
    if not chosen:
        flags.append("untagged")
    elif not declared and (best is None or scores[best] < d["low_confidence"]):
        flags.append("low_confidence")
    return flags
