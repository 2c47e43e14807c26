"""The tagger's work after matching (classify/hits.py) and its optional compiled twin."""

from __future__ import annotations

import importlib
import json
import sys
import types
from pathlib import Path

import pytest

from classify import engine, hits

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def fake_twin(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """A stand-in for the compiled module, whatever the install built."""
    twin = types.ModuleType(hits.COMPILED)
    monkeypatch.setitem(sys.modules, hits.COMPILED, twin)
    monkeypatch.delenv("MISPA_PURE_PYTHON", raising=False)
    return twin


def test_the_compiled_twin_is_used_only_while_built_from_this_source(fake_twin: types.ModuleType) -> None:
    fake_twin.SOURCE_SHA256 = hits.source_sha256()
    assert hits.best() is fake_twin and hits.status() == "compiled (classify._hits_c)"
    fake_twin.SOURCE_SHA256 = "0" * 64  # built before an edit of hits.py
    assert hits.best() is hits and "predates an edit of hits.py" in hits.status()
    del fake_twin.SOURCE_SHA256
    assert hits.best() is hits


def test_plain_python_on_request(fake_twin: types.ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_twin.SOURCE_SHA256 = hits.source_sha256()
    monkeypatch.setenv("MISPA_PURE_PYTHON", "1")
    assert hits.best() is hits and "MISPA_PURE_PYTHON=1" in hits.status()


def test_no_twin_built_means_plain_python(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, hits.COMPILED, None)  # import fails, as when nothing was built
    monkeypatch.delenv("MISPA_PURE_PYTHON", raising=False)
    assert hits.best() is hits and "no compiled module" in hits.status()


def _compiled() -> types.ModuleType | None:
    try:
        twin = importlib.import_module(hits.COMPILED)
    except ImportError:
        return None
    return twin if getattr(twin, "SOURCE_SHA256", None) == hits.source_sha256() else None


@pytest.mark.skipif(_compiled() is None, reason="no compiled twin built from this hits.py (no C compiler "
                    "or Cython at install, or hits.py edited since: reinstall)")
def test_compiled_and_plain_give_the_same_tags_on_the_whole_corpus(monkeypatch: pytest.MonkeyPatch) -> None:
    gold = [json.loads(line) for line in (ROOT / "corpus" / "gold.jsonl").read_text().splitlines()]
    inputs = [engine.SectionInput(title=g["title"], fields=g["fields"], language=g["language"],
                                  declared_pillar=declared)
              for g in gold for declared in (g["declared_pillar"], "")]
    results = {}
    for module in (_compiled(), hits):
        monkeypatch.setattr(engine, "_hits", module)
        results[module] = [engine.classify(s) for s in inputs]
    compiled, plain = results.values()
    assert len(compiled) == len(plain) == 2 * len(gold) > 500
    assert compiled == plain
    assert sum(len(t.evidence) for c in plain for t in c.tags) > 1000  # the comparison covers evidence
