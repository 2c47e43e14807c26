"""Tag sections with MISPA pillars and thematic areas: declared field, then spaCy phrase matching.

Per language, ``spacy.blank(lang)`` tokenizes; each token's norm is set to its lemma from the
lookup tables of ``spacy-lookups-data`` (no model download), lower-cased and accent-folded, and a
``PhraseMatcher`` on NORM finds the taxonomy's terms (built the same way, so "víctimas de la
violencia intrafamiliar" matches "violencia intrafamiliar"). Acronyms flagged ``case`` match
exactly on ORTH. Every match records its field and character offsets as evidence. When the
install compiled it, ``classify/_scan.pyx`` finds and keeps the matches in C (``scanner()``), with
the same results as the Python path here (``Matcher.find`` and ``hits._longest``). A trained
pipeline reads a language instead, its lemmas becoming the norms, only when ``pipelines.toml``
names one and it is installed (``classify.pipelines``).

Decision (numbers in ``taxonomy/scoring.toml``): evidence per area is the sum of term weight x
field weight (weak terms only count beside a strong one), turned into a 0..1 score. Declared
pillars are kept; the text adds a pillar only when strong, or as it would alone when it supports
none of the declared ones. Themes are the best areas of the chosen pillars. Flags: ``conflict``
(declared pillars miss the text's strongest), ``untagged``, ``low_confidence``, and
``partly_read``: a section longer than the pipeline's ``max_length`` (spaCy's 1,000,000 characters
unless a trained pipeline sets another) is read up to there, its tags coming from that part.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any, Mapping, NamedTuple

from ingest.model import Tag

from . import builds, hits, pipelines
from .declared import parse_declared_areas, parse_declared_pillars
from .taxonomy import Taxonomy, Term, fold, load_taxonomy

SCORING = Path(__file__).parent / "taxonomy" / "scoring.toml"
SCANNER_SOURCE = Path(__file__).parent / "_scan.pyx"
SCANNER = "classify._scan"  # the module setup.py compiles _scan.pyx into
_ACRONYM_HINT = "acronym?"  # key prefix of the acronyms' NORM patterns
_hits = hits.best()  # the work after matching; compiled when built from its source as it is


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

    def __init__(self, lang: str, taxonomy: Taxonomy, pipeline: Any = None) -> None:
        """``pipeline``: a trained spaCy pipeline for ``lang`` (``classify.pipelines``) to read
        the texts with, or None for ``spacy.blank(lang)`` and the lookup lemmas."""
        import spacy
        from spacy.matcher import PhraseMatcher
        from spacy.vocab import Vocab

        self.trained = pipeline is not None
        self.nlp = pipeline if self.trained else spacy.blank(lang)
        self.english = lang == "en"
        self.lemmas = _lemma_table(self.nlp, lang)
        self._lemma_norms: dict[tuple[str, str], str] = {}  # a trained pipeline's (lemma, word) -> norm
        if not self.trained:
            # A trained pipeline reads its lexemes' norms as features: those stay as they are,
            # and ``doc`` sets each token's norm instead.
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
        self.scanner = self._scanner()

    def _scanner(self) -> Any:
        """The compiled scanner of this matcher, or None for the Python path: when it is not built,
        when acronyms have no hints (it reads the NORM matcher alone), or when the taxonomy has
        more pillars than it packs (8)."""
        scan = scanner().module
        if scan is None or (self.acronyms is None and self.has_acronyms):
            return None
        try:
            return scan.Scanner(self.norm_matcher, self.terms, self.acronyms)
        except ValueError:  # staff added pillars past what the scanner's sort keys hold
            return None

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
        tokenizer exception gives one of those words a norm of its own, or a trained pipeline sets
        norms token by token from its lemmas: then there are no hints.
        A hint's match notes its index on the doc (``_mark_hinted``, a callback on those keys
        only), so ``find`` reads no other match.
        """
        from spacy.attrs import NORM, ORTH

        docs = {key: self.pattern(term) for key, term in acronyms.items()}
        words = {token.orth_ for doc in docs.values() for token in doc}
        rules = self.nlp.tokenizer.rules or {}
        exceptions = any(t[ORTH] in words and NORM in t for rule in rules.values() for t in rule)
        if not acronyms or self.trained or exceptions:
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
        """Tokenize; every token's norm is its folded lemma: the lookup table's (see
        ``_norm_every_lexeme``), or a trained pipeline's when it changes the word (the lookup
        table's otherwise, as for a word the pipeline does not know)."""
        if not self.trained:
            return self.nlp.make_doc(text)
        doc = self.nlp(text)
        norms = self._lemma_norms
        for token in doc:
            key = (token.lemma_, token.lower_)
            norm = norms.get(key)
            if norm is None:
                lemma = key[0].lower()
                norm = norms[key] = self._norm(key[1]) if lemma in ("", key[1]) else self._fold(lemma)
            token.norm_ = norm
        return doc

    def _norm(self, word: str) -> str:
        if word not in self.lemmas and "-" in word.strip("-"):
            # A hyphenated compound the tokenizer keeps whole (es, pt, fr) and the table lacks:
            # each part's lemma, so "público-privadas" meets "público-privado".
            parts = word.split("-")
            if all(part.isalpha() for part in parts):
                return "-".join(self._norm(part) for part in parts)
        lemma = self.lemmas.get(word, word)
        if isinstance(lemma, list):  # some tables list several lemmas; the first is the usual one
            lemma = lemma[0] if lemma else word
        return self._fold(str(lemma))

    def _fold(self, lemma: str) -> str:
        folded = fold(lemma)
        return us_spelling(folded) if self.english else folded

    def match(self, text: str) -> tuple[Any, list[tuple[Term, int, int]]]:
        """The doc of ``text`` and the terms found in it (see ``kept``)."""
        doc = self.doc(text)
        return doc, self.kept(doc)

    def kept(self, doc: Any) -> list[tuple[Term, int, int]]:
        """The terms found in ``doc``, (term, first character, end character) by start, leaving
        out a match inside a longer one of the same pillar (see ``hits._longest``): the compiled
        scanner's when there is one, else ``find``'s matches through ``hits._longest``."""
        if self.scanner is not None:
            return self.scanner.kept(doc)
        return _hits.in_chars(doc, _hits._longest(self.find(doc), self.terms))

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


class ScannerChoice(NamedTuple):
    """What ``scanner()`` found: the compiled scanner or None, why, and whether a reinstall is due."""

    module: ModuleType | None
    reason: str
    outdated: bool = False  # built from an older _scan.pyx, or for another spaCy


@lru_cache(maxsize=1)
def scanner() -> ScannerChoice:
    """The compiled scanner (``classify/_scan.pyx``) and "compiled", when the install built it from
    that file as it is now and against the spaCy that runs (its structures must be the same);
    otherwise None and why: the tagger then finds its terms in Python (same results). Also None
    when the environment sets MISPA_PURE_PYTHON=1."""
    module, why = builds.load(SCANNER, SCANNER_SOURCE)
    if why == "off":
        return ScannerChoice(None, builds.PURE_PYTHON)
    if why == "missing":
        return ScannerChoice(None, "plain Python (no compiled scanner: no Cython, C++ compiler or spaCy at install)")
    if why == "stale":
        return ScannerChoice(None, "plain Python (the compiled scanner predates an edit of _scan.pyx: reinstall "
                             "to rebuild)", outdated=True)
    import spacy

    built_for = getattr(module, "SPACY_VERSION", "?")
    if built_for != spacy.__version__:
        return ScannerChoice(None, f"plain Python (the compiled scanner was built for spaCy {built_for}, this is "
                             f"{spacy.__version__}: reinstall to rebuild)", outdated=True)
    return ScannerChoice(module, f"compiled ({SCANNER})")


@lru_cache(maxsize=8)
def matcher_for(lang: str, taxonomy_dir: Path | None = None) -> Matcher:
    """The matcher of ``lang``, reading texts with the pipeline ``pipelines.toml`` configures for it
    when that one is installed (``classify.pipelines``), else with ``spacy.blank``."""
    return Matcher(lang, _taxonomy(taxonomy_dir), pipelines.choose(lang, taxonomy_dir).nlp)


@lru_cache(maxsize=4)
def _taxonomy(taxonomy_dir: Path | None) -> Taxonomy:
    """The taxonomy, resolved once per process (load_taxonomy resolves its path on every call)."""
    return load_taxonomy(taxonomy_dir)


def classify(section: SectionInput, *, use_declared: bool = True, taxonomy_dir: Path | None = None) -> Classification:
    """Pillars and themes of one section, each with score, source and evidence."""
    taxonomy = _taxonomy(taxonomy_dir)
    matcher = matcher_for(section.language if section.language in taxonomy.languages else "es", taxonomy_dir)
    views = _hits.read_views(section)
    joined, starts = _hits.join_views(views)
    partly = len(joined) > matcher.nlp.max_length  # spaCy's limit, 1,000,000 characters unless set
    doc = matcher.doc(joined[:matcher.nlp.max_length] if partly else joined)
    if use_declared:
        declared = parse_declared_pillars(section.declared_pillar, taxonomy)
        declared_areas = parse_declared_areas(section.declared_pillar, taxonomy)
    else:
        declared, declared_areas = (), ()
    result = Classification(*_hits.decide(matcher.kept(doc), views, starts, declared, declared_areas, taxonomy,
                                          load_scoring()))
    if partly:
        result.flags.append(PARTLY_READ)
    return result


PARTLY_READ = "partly_read"  # the flag of a section read only up to the pipeline's max_length


def tokenized_text(section: SectionInput) -> str:
    """The one text the tagger tokenizes for ``section``: its fields joined (see ``hits.join_views``)."""
    return _hits.join_views(_hits.read_views(section))[0]
