"""Tag sections with MISPA pillars and thematic areas: declared field, then spaCy phrase matching.

Per language, ``spacy.blank(lang)`` tokenizes; each token's norm is set to its lemma from the
lookup tables of ``spacy-lookups-data`` (no model download), lower-cased and accent-folded, and a
``PhraseMatcher`` on NORM finds the taxonomy's terms (built the same way, so "víctimas de la
violencia intrafamiliar" matches "violencia intrafamiliar"). Acronyms flagged ``case`` match
exactly on ORTH. Every match records its field and character offsets as evidence.

Decision (numbers in ``taxonomy/scoring.toml``): evidence per area is the sum of term weight x
field weight (weak terms only count beside a strong one), turned into a 0..1 score. Declared
pillars are kept; the text adds a pillar only when strong, or as it would alone when it supports
none of the declared ones. Themes are the best areas of the chosen pillars. Flags: ``conflict``
(declared pillars miss the text's strongest), ``untagged``, ``low_confidence``.
"""

from __future__ import annotations

import bisect
import math
import re
import tomllib
from dataclasses import dataclass, field, fields
from functools import lru_cache
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any, Iterator, Mapping

from ingest.model import Evidence, Tag

from .declared import parse_declared_areas, parse_declared_pillars
from .taxonomy import Taxonomy, Term, fold, load_taxonomy

SCORING = Path(__file__).parent / "taxonomy" / "scoring.toml"
_ACRONYM_HINT = "acronym?"  # key prefix of the acronyms' NORM patterns
_SKIP_FIELDS = {"member_state", "declared_pillar", "contact_person", "job_title", "phone", "email",
                "institution_name"}


@dataclass(frozen=True, slots=True)
class SectionInput:
    """What the tagger reads of a section."""

    title: str
    fields: Mapping[str, str]
    language: str | None
    declared_pillar: str = ""
    body: str = ""


@dataclass(slots=True)
class Classification:
    tags: list[Tag]
    flags: list[str] = field(default_factory=list)
    text_scores: dict[int, float] = field(default_factory=dict)
    area_scores: dict[str, float] = field(default_factory=dict)  # every area the text names, tagged or not

    @property
    def pillars(self) -> list[int]:
        return sorted(int(t.code) for t in self.tags if t.kind == "pillar")

    @property
    def themes(self) -> list[str]:
        return sorted(t.code for t in self.tags if t.kind == "theme")


@lru_cache(maxsize=2)
def load_scoring(path: Path = SCORING) -> dict[str, Any]:
    with open(path, "rb") as f:
        return tomllib.load(f)


# An acronym's hint: (its match id, its words' ORTH ids, its rank among acronyms of the same words).
_Hint = tuple[int, list[int], int]


class Matcher:
    """spaCy phrase matchers for one language, built once from the taxonomy."""

    def __init__(self, lang: str, taxonomy: Taxonomy) -> None:
        import spacy
        from spacy.matcher import PhraseMatcher
        from spacy.vocab import Vocab

        self.nlp = spacy.blank(lang)
        self.english = lang == "en"
        self.lemmas = _lemma_table(self.nlp, lang)
        self._norm_every_lexeme()
        # The matchers keep their keys in a vocabulary of their own: a PhraseMatcher looks each
        # match's key up in its vocabulary's strings (for its callback), and a small table of
        # keys stays in the CPU cache where the pipeline's, with every word met, does not.
        # A match id is the hash of its key in either.
        keys = Vocab()
        self.norm_matcher = PhraseMatcher(keys, attr="NORM")
        self.orth_matcher = PhraseMatcher(keys, attr="ORTH")
        self.terms: dict[int, Term] = {}  # by match id (the hash of the pattern key)
        acronyms: dict[str, Term] = {}  # by pattern key
        for n, term in enumerate(taxonomy.terms_for(lang)):
            key = f"t{n}"
            self.terms[keys.strings.add(key)] = term
            if term.case_sensitive:
                self.orth_matcher.add(key, [self.pattern(term)])
                acronyms[key] = term
            else:
                self.norm_matcher.add(key, [self.pattern(term)])
        self.has_acronyms = bool(acronyms)
        self.acronyms = self._add_acronym_hints(acronyms, keys.strings)

    def same_words(self, taxonomy: Taxonomy) -> list[tuple[Term, Term]]:
        """Pairs of terms of one pillar that the matcher reads as the same words ("policing" and
        "police" both become "police"): each occurrence would count twice, and a weak term
        would count as a strong one. The taxonomy should hold none."""
        first: dict[tuple[int, bool, tuple[str, ...]], Term] = {}
        pairs = []
        for term in taxonomy.terms_for(self.nlp.lang):
            words = tuple(t.orth_ if term.case_sensitive else t.norm_ for t in self.pattern(term))
            key = (term.pillar, term.case_sensitive, words)
            if key in first:
                pairs.append((first[key], term))
            else:
                first[key] = term
        return pairs

    def pattern(self, term: Term) -> Any:
        """The doc of ``term`` as its matcher compares it: an acronym's exact words (ORTH),
        any other term's folded lemmas (NORM), both read from the same tokens."""
        return self.doc(term.text)

    def _add_acronym_hints(self, acronyms: dict[str, Term], strings: Any) -> dict[int, _Hint] | None:
        """Each acronym's NORM pattern, added to the NORM matcher under a key of its own, and the
        acronym's ``_Hint`` by the match id of that key (None when not usable). The rank is the
        acronym's place among those of the same words in the ORTH matcher's output. ``strings``:
        the matchers' keys (see ``__init__``).

        An acronym matches on ORTH exactly where its NORM pattern matches and the words are the
        acronym's (same words, same lexemes, same norms), so ``find`` checks the words at those
        few places instead of running the ORTH matcher over the whole text. That holds unless a
        tokenizer exception gives one of those words a norm of its own: then there are no hints.
        A hint's match notes its index on the doc (``_mark_hinted``, a callback on those keys
        only), so ``find`` reads no other match.
        """
        from spacy.attrs import NORM, ORTH

        docs = {key: self.pattern(term) for key, term in acronyms.items()}
        words = {token.orth_ for doc in docs.values() for token in doc}
        rules = self.nlp.tokenizer.rules or {}
        if not acronyms or any(t[ORTH] in words and NORM in t for rule in rules.values() for t in rule):
            return None
        hints: dict[int, _Hint] = {}
        for key, doc in docs.items():
            # acronyms of the same words come out of the ORTH matcher in the order of its table
            same = [m for m, start, end in self.orth_matcher(doc) if (start, end) == (0, len(doc))]
            self.norm_matcher.add(_ACRONYM_HINT + key, [doc], on_match=_mark_hinted)
            words_orth = [token.orth for token in doc]
            hints[strings[_ACRONYM_HINT + key]] = (strings[key], words_orth, same.index(strings[key]))
        return hints

    def _norm_every_lexeme(self) -> None:
        """Give every vocabulary entry (lexeme) its folded lookup lemma as norm.

        The entries already there are set now; the vocabulary's NORM getter sets each new one when
        the tokenizer first meets the word, so tokenizing a text costs nothing more.
        """
        from spacy.attrs import NORM

        vocab = self.nlp.vocab
        vocab.lex_attr_getters = {**vocab.lex_attr_getters, NORM: lambda word: self._norm(word.lower())}
        for lex in vocab:
            lex.norm_ = self._norm(lex.lower_)

    def doc(self, text: str) -> Any:
        """Tokenize; every token's norm is its folded lookup lemma (see ``_norm_every_lexeme``)."""
        return self.nlp.make_doc(text)

    def _norm(self, word: str) -> str:
        lemma = self.lemmas.get(word, word)
        if isinstance(lemma, list):  # some tables list several lemmas; the first is the usual one
            lemma = lemma[0] if lemma else word
        folded = fold(str(lemma))
        return us_spelling(folded) if self.english else folded

    def match(self, text: str) -> tuple[Any, list[tuple[Term, int, int]]]:
        """The doc of ``text`` and the terms found in it, (term, start token, end token) by start,
        leaving out a match inside a longer one of the same pillar (see ``_longest``)."""
        doc = self.doc(text)
        return doc, list(_longest(self.find(doc), self.terms))

    def find(self, doc: Any) -> list[tuple[int, int, int]]:
        """Every (match id, start, end) of the terms in ``doc``: the NORM
        matcher's, then the acronyms' as the ORTH matcher gives them.
        """
        doc.user_data.pop(_HINTED, None)  # left by an earlier run of the NORM matcher on this doc
        found = self.norm_matcher(doc)
        hints = self.acronyms
        if hints is None:
            if self.has_acronyms:
                found += self.orth_matcher(doc)
            return found
        hinted = doc.user_data.pop(_HINTED, None)  # noted by _mark_hinted
        if hinted is None:
            return found
        acronyms: list[tuple[int, int, int, int]] = []  # (start, end, rank, match id)
        for i in reversed(hinted):
            hint_id, start, end = found.pop(i)
            match_id, words, rank = hints[hint_id]
            if [doc[j].orth for j in range(start, end)] == words:  # the acronym's own words
                acronyms.append((start, end, rank, match_id))
        acronyms.sort()  # the ORTH matcher's order: by start, shorter first
        found += [(match_id, start, end) for start, end, _, match_id in acronyms]
        return found


_BRITISH_ENDINGS = re.compile(r"(?<=\w{3})(?:is(?=ation$|e$|ing$|ed$)|ys(?=e$)|(?<=[bdgilmnpv])ou(?=r$|rhood$|rs$)"
                              r"|tre$)")
_BRITISH_WORDS = {"programme": "program", "defence": "defense", "offence": "offense", "licence": "license",
                  "pretence": "pretense", "judgement": "judgment", "counselling": "counseling",
                  "modelling": "modeling", "labelling": "labeling", "travelling": "traveling"}


def us_spelling(word: str) -> str:
    """An English word (a folded lemma) in US spelling, so that Caribbean and Canadian replies'
    British forms meet the terms whichever way they are written: "organise" -> "organize",
    "victimisation" -> "victimization", "analyse" -> "analyze", "neighbourhood" -> "neighborhood",
    "behaviour" -> "behavior", "centre" -> "center", "programme" -> "program", "offence" -> "offense".
    Both the terms and the texts go through it, so a word folded that has no US twin is harmless."""
    if word in _BRITISH_WORDS:
        return _BRITISH_WORDS[word]
    if len(word) < 6:
        return word
    return _BRITISH_ENDINGS.sub(lambda m: _AMERICAN_ENDINGS[m.group(0)], word)


_AMERICAN_ENDINGS = {"is": "iz", "ys": "yz", "ou": "o", "tre": "ter"}


def _mark_hinted(matcher: Any, doc: Any, i: int, matches: list[tuple[int, int, int]]) -> None:
    """NORM matcher callback of the acronyms' hint keys: notes the match's index on the doc."""
    doc.user_data.setdefault(_HINTED, []).append(i)


_HINTED = "mispa:acronym hinted"


def _lemma_table(nlp: Any, lang: str) -> Any:
    """The lookup lemma table of spacy-lookups-data for ``lang`` (empty when the package lacks it)."""
    from spacy.lookups import Table, load_lookups

    try:
        return load_lookups(lang, ["lemma_lookup"]).get_table("lemma_lookup")
    except (ValueError, OSError, ImportError):
        return Table()


@lru_cache(maxsize=8)
def matcher_for(lang: str, taxonomy_dir: Path | None = None) -> Matcher:
    return Matcher(lang, _taxonomy(taxonomy_dir))


@lru_cache(maxsize=4)
def _taxonomy(taxonomy_dir: Path | None) -> Taxonomy:
    """The taxonomy, resolved once per process (load_taxonomy resolves its path on every call)."""
    return load_taxonomy(taxonomy_dir)


def classify(section: SectionInput, *, use_declared: bool = True, taxonomy_dir: Path | None = None) -> Classification:
    """Pillars and themes of one section, each with score, source and evidence."""
    taxonomy = _taxonomy(taxonomy_dir)
    cfg = load_scoring()
    decision = cfg["decision"]
    area_raw, pillar_raw, evidence = _collect(section, taxonomy, cfg)
    sat = decision["saturation"]
    area_score = {a: 1 - math.exp(-v / sat) for a, v in area_raw.items()}
    pillar_score = {p: 1 - math.exp(-v / sat) for p, v in pillar_raw.items()}
    declared = parse_declared_pillars(section.declared_pillar, taxonomy) if use_declared else ()
    chosen = _choose_pillars(pillar_score, declared, decision)
    tags = [_tag("pillar", str(p), 1.0 if p in declared else round(pillar_score.get(p, 0.0), 4),
                 "declared" if p in declared else "text", evidence.get(str(p), ()))
            for p in sorted(chosen)]
    declared_areas = parse_declared_areas(section.declared_pillar, taxonomy) if use_declared else ()
    for code in _choose_themes(chosen, area_score, declared_areas, taxonomy, decision):
        source = "declared" if code in declared_areas else "text"
        tags.append(_tag("theme", code, 1.0 if source == "declared" else round(area_score.get(code, 0.0), 4),
                         source, evidence.get(code, ())))
    return Classification(tags, _flags(declared, pillar_score, chosen, decision), pillar_score,
                          {a: round(s, 3) for a, s in sorted(area_score.items()) if s >= 0.001})


def tokenized_text(section: SectionInput) -> str:
    """The one text the tagger tokenizes for ``section``: its fields joined (see ``_join_views``)."""
    return _join_views(_views(section))[0]


def _views(section: SectionInput) -> list[tuple[str, str]]:
    """The fields read, (name, text): the title, the content fields, the body."""
    views = [("title", section.title)]
    views += [(k, v) for k, v in section.fields.items() if k not in _SKIP_FIELDS and v]
    if section.body:
        views.append(("body", section.body))
    return views


def _join_views(views: list[tuple[str, str]]) -> tuple[str, list[int]]:
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


def _collect(section: SectionInput, taxonomy: Taxonomy, cfg: dict[str, Any]) -> tuple[
        dict[str, float], dict[int, float], _Evidence]:
    """Raw evidence sums per area and per pillar, and the evidence of each area and pillar."""
    matcher = matcher_for(section.language if section.language in taxonomy.languages else "es")
    views = _views(section)
    joined, starts = _join_views(views)
    doc = matcher.doc(joined)
    strong, weak = _counted(matcher.find(doc), matcher.terms, _token_starts(doc, starts), views, cfg)
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
    return area_raw, pillar_raw, _Evidence(doc, views, starts, strong, pillar_areas)


def _token_starts(doc: Any, starts: list[int]) -> list[int]:
    """The index of each field's first token, the fields starting at the character offsets
    ``starts``: a token lies in the last field starting at or before it, as its offset does.
    (The first field's is 0; each search starts from the previous field's.)"""
    found = [0]
    for start in starts[1:]:
        found.append(bisect.bisect_left(doc, start, found[-1], key=_IDX))
    return found


_IDX = attrgetter("idx")

# A counted match: (term, field index, start token, end token, evidence weight).
_Hit = tuple[Term, int, int, int, float]
_WEIGHT = itemgetter(4)


def _counted(matches: list[tuple[int, int, int]], terms: Mapping[int, Term], token_starts: list[int],
             views: list[tuple[str, str]], cfg: dict[str, Any]) -> tuple[dict[str, list[_Hit]], list[_Hit]]:
    """The (match id, start, end) matches of ``views`` that ``_longest`` keeps, in its order, each
    term counted at most ``max_repeats`` times per field, as hits: strong terms by area, and weak
    terms."""
    field_weights = _field_weights(views, cfg["field_weights"])
    counts, repeats = _repeat_counters(views), cfg["decision"]["max_repeats"]
    strong: dict[str, list[_Hit]] = {}
    weak: list[_Hit] = []
    n, next_field = 0, [*token_starts[1:], math.inf]  # the field of the matches, and where the next starts
    counter, field_weight, next_start = counts[0], field_weights[0], next_field[0]
    for term, first, stop in _longest(matches, terms):
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

    __slots__ = ("_doc", "_views", "_starts", "_hits", "_pillar_areas", "_made")

    def __init__(self, doc: Any, views: list[tuple[str, str]], starts: list[int],
                 hits: dict[str, list[_Hit]], pillar_areas: dict[str, list[str]]) -> None:
        self._doc, self._views, self._starts = doc, views, starts
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
        """The evidence of ``area``: each hit's text and offsets in its field, and weight.

        A one-token match (most are) reads its start and end from one spaCy token object."""
        made = self._made.get(area)
        if made is None:
            doc, views, starts = self._doc, self._views, self._starts
            set_term, set_field, set_start, set_end, set_weight = _EVIDENCE_SLOTS
            records = []
            for _, n, first, stop, weight in self._hits[area]:
                token = doc[first]
                start = token.idx
                if stop - first > 1:
                    token = doc[stop - 1]
                base = starts[n]
                start, end = start - base, token.idx + len(token) - base  # in the field's own text
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
             terms: Mapping[int, Term]) -> Iterator[tuple[Term, int, int]]:
    """The (match id, start, end) matches not inside a longer one of the same pillar ("violencia"
    inside "violencia doméstica"), as (term, start, end) in ``_by_start`` order. The same span
    matched again by another term of the pillar is kept."""
    keyed, pillars = _by_start(matches, terms)
    reach_start, reach_end = [-1] * pillars, [-1] * pillars  # each pillar's last kept span
    for start, r, neg_end, _, term in keyed:
        end = -neg_end
        if end > reach_end[r]:
            reach_start[r], reach_end[r] = start, end
        elif end != reach_end[r] or start != reach_start[r]:
            continue
        yield term, start, end


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
