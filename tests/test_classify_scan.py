"""The tagger's matching compiled in C (classify/_scan.pyx): used only when built from that source
for the spaCy that runs, and then finding exactly what the Python path finds."""

from __future__ import annotations

import json
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from classify import builds, engine, hits

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def fresh_choice(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``engine.scanner()`` decided anew in the test, and again after it."""
    monkeypatch.delenv("MISPA_PURE_PYTHON", raising=False)
    engine.scanner.cache_clear()
    yield
    engine.scanner.cache_clear()


@pytest.fixture
def fake_scanner(monkeypatch: pytest.MonkeyPatch, fresh_choice: None) -> types.ModuleType:
    """A stand-in for the compiled scanner, whatever the install built."""
    import spacy

    fake = types.ModuleType(engine.SCANNER)
    fake.SOURCE_SHA256 = builds.sha256_of(engine.SCANNER_SOURCE)
    fake.SPACY_VERSION = spacy.__version__
    monkeypatch.setitem(sys.modules, engine.SCANNER, fake)
    return fake


def test_the_scanner_is_used_only_while_built_from_its_source_for_this_spacy(fake_scanner: types.ModuleType) -> None:
    assert engine.scanner() == (fake_scanner, "compiled (classify._scan)", False)
    engine.scanner.cache_clear()
    fake_scanner.SOURCE_SHA256 = "0" * 64  # built before an edit of _scan.pyx
    module, reason, outdated = engine.scanner()
    assert module is None and "predates an edit of _scan.pyx" in reason and outdated


def test_a_scanner_built_for_another_spacy_is_not_used(fake_scanner: types.ModuleType) -> None:
    fake_scanner.SPACY_VERSION = "3.7.0-other"
    module, reason, outdated = engine.scanner()
    assert module is None and "built for spaCy 3.7.0-other" in reason and "reinstall" in reason and outdated


def test_no_scanner_built_or_plain_python_asked_for(monkeypatch: pytest.MonkeyPatch, fresh_choice: None) -> None:
    monkeypatch.setitem(sys.modules, engine.SCANNER, None)  # import fails, as when nothing was built
    module, reason, outdated = engine.scanner()
    assert module is None and "no compiled scanner" in reason and not outdated  # slower, not wrong
    engine.scanner.cache_clear()
    monkeypatch.setenv("MISPA_PURE_PYTHON", "1")
    assert engine.scanner() == (None, "plain Python (MISPA_PURE_PYTHON=1)", False)


def _compiled() -> types.ModuleType | None:
    module = engine.scanner().module
    return module if module is not None and hasattr(module, "Scanner") else None


needs_scanner = pytest.mark.skipif(_compiled() is None, reason="no compiled scanner built from this _scan.pyx for "
                                   "this spaCy (no C++ compiler, Cython or spaCy at install, or edited: reinstall)")


def _texts() -> list[tuple[str, str]]:
    """Each gold section's text as the tagger joins it, and its language."""
    gold = [json.loads(line) for line in (ROOT / "corpus" / "gold.jsonl").read_text().splitlines()]
    sections = [engine.SectionInput(g["title"], g["fields"], g["language"]) for g in gold]
    return [(engine.tokenized_text(s), s.language) for s in sections]


@needs_scanner
def test_the_scanner_keeps_what_python_keeps_on_the_whole_corpus() -> None:  # and the same offsets
    texts = _texts()
    kept = 0
    for text, lang in texts:
        matcher = engine.matcher_for(lang)
        assert matcher.scanner is not None
        doc = matcher.doc(text)
        found = matcher.scanner.kept(doc)
        assert found == hits.in_chars(doc, hits._longest(matcher.find(doc), matcher.terms)), text[:60]
        assert all(doc.char_span(start, end) is not None for _, start, end in found)  # on token bounds
        kept += len(found)
    assert len(texts) > 500 and kept > 10_000


@needs_scanner
@pytest.mark.parametrize("text", [
    "",  # no token
    "INTERPOL",  # an acronym alone
    "Joint work with INTERPOL and CARICOM IMPACS; interpol notices, Interpol.",  # hints, some not the acronym
    "violencia doméstica violencia doméstica violencia de género en la escuela " * 40,  # nested, repeated
    "policía comunitaria ¶ policía comunitaria y prevención de la violencia juvenil",
])
def test_the_scanner_on_hard_texts(text: str) -> None:
    for lang in ("es", "en"):
        matcher = engine.matcher_for(lang)
        doc = matcher.doc(text)
        assert matcher.scanner.kept(doc) == hits.in_chars(doc, hits._longest(matcher.find(doc), matcher.terms))


@needs_scanner
def test_tags_are_the_same_with_the_scanner_and_without(monkeypatch: pytest.MonkeyPatch) -> None:
    gold = [json.loads(line) for line in (ROOT / "corpus" / "gold.jsonl").read_text().splitlines()]
    inputs = [engine.SectionInput(title=g["title"], fields=g["fields"], language=g["language"],
                                  declared_pillar=g["declared_pillar"]) for g in gold]
    with_scanner = [engine.classify(s) for s in inputs]
    for lang in ("es", "en", "pt", "fr"):
        monkeypatch.setattr(engine.matcher_for(lang), "scanner", None)
    monkeypatch.setattr(engine, "_hits", hits)  # and the plain module after matching: all Python
    plain = [engine.classify(s) for s in inputs]
    assert with_scanner == plain
    assert sum(len(t.evidence) for c in plain for t in c.tags) > 1000


@needs_scanner
def test_a_taxonomy_the_scanner_cannot_pack_falls_back_to_python() -> None:
    matcher = engine.matcher_for("es")
    terms = {i: types.SimpleNamespace(pillar=i) for i in range(9)}  # nine pillars: more than 8
    with pytest.raises(ValueError, match="at most 8 pillars"):
        _compiled().Scanner(matcher.norm_matcher, terms, None)
    saved = matcher.terms
    try:
        matcher.terms = terms
        assert matcher._scanner() is None
    finally:
        matcher.terms = saved
