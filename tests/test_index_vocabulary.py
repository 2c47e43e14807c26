"""The search vocabulary (translation dictionary and topic finder) cached beside the index."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

import classify.taxonomy
import index
from index import vocabulary as vocab
from index.translate import use_taxonomy

RECORD = {"id": "es-vif", "kind": "practice", "title": "Atención a víctimas", "member_state": "Panama",
          "language": "es", "year": 2011, "date": None, "pillars": [2], "themes": ["2.4"],
          "institution": "", "fields": {}, "text": "Las víctimas de violencia intrafamiliar reciben apoyo.",
          "source_file": "x.pdf", "pages": None, "ocr": False, "topics": {"2.4": 0.8}}


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    use_taxonomy(None)  # the package's taxonomy, as `mispa search` uses it
    index.build_index([RECORD], tmp_path / "index")
    yield tmp_path / "index"
    vocab.forget()


def _cached(index_dir: Path) -> list[Path]:
    return sorted((index_dir / vocab.CACHE_DIR).glob("*.pickle"))


def _fresh_process_search(index_dir: Path, query: str = "domestic violence") -> index.SearchResult:
    vocab.forget()  # as a new `mispa search` process starts
    return index.search(index_dir, query)


def test_a_search_caches_the_vocabulary_and_the_next_process_skips_the_taxonomy(
        index_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = _fresh_process_search(index_dir)
    (cached,) = _cached(index_dir)
    assert cached.name == f"{vocab.digest()}.pickle"

    def no_taxonomy(*args: object, **kwargs: object) -> None:
        raise AssertionError("the taxonomy was read although the cache holds it")

    monkeypatch.setattr(classify.taxonomy, "load_taxonomy", no_taxonomy)
    second = _fresh_process_search(index_dir)
    assert second.expanded_query == first.expanded_query
    assert "violencia intrafamiliar" in second.expanded_query and "topics:2.4" in second.expanded_query
    assert [h.id for h in second.hits] == ["es-vif"]


def test_an_edit_of_what_it_derives_from_makes_a_new_cache_and_drops_the_old(
        index_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fresh_process_search(index_dir)
    (old,) = _cached(index_dir)
    monkeypatch.setattr(vocab, "digest", lambda: "0" * 64)  # a term edited, say
    _fresh_process_search(index_dir)
    assert [p.name for p in _cached(index_dir)] == ["0" * 64 + ".pickle"] and not old.exists()


def test_the_digest_follows_the_taxonomys_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "taxonomy"
    copy.mkdir()
    for path in Path(classify.taxonomy.TAXONOMY_DIR).iterdir():
        if path.is_file():
            (copy / path.name).write_bytes(path.read_bytes())
    monkeypatch.setattr(classify.taxonomy, "TAXONOMY_DIR", copy)
    before = vocab.digest()
    with open(copy / "terms.es.tsv", "a", encoding="utf-8") as f:
        f.write("2.4\t0.8\tviolencia vicaria\n")
    assert vocab.digest() != before


def test_a_damaged_cache_is_built_again(index_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    first = _fresh_process_search(index_dir)
    (cached,) = _cached(index_dir)
    cached.write_bytes(b"not a pickle")
    with caplog.at_level(logging.WARNING, logger="index.vocabulary"):
        again = _fresh_process_search(index_dir)
    assert again.expanded_query == first.expanded_query
    assert "unreadable" in caplog.text and cached.read_bytes() != b"not a pickle"


def test_a_read_only_index_directory_only_means_no_cache(
        index_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError("read-only file system")

    monkeypatch.setattr(vocab.tempfile, "mkstemp", refuse)
    result = _fresh_process_search(index_dir)
    assert "topics:2.4" in result.expanded_query and _cached(index_dir) == []


def test_a_broken_taxonomy_is_not_cached(index_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise classify.taxonomy.TaxonomyError("terms.es.tsv, line 12: duplicate term")

    monkeypatch.setattr(classify.taxonomy, "load_taxonomy", broken)
    result = _fresh_process_search(index_dir)
    assert "topics:" not in result.expanded_query  # the glossary alone, with a warning logged
    assert _cached(index_dir) == []


def test_ensure_cached_writes_the_cache_the_next_search_reads(
        index_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _cached(index_dir) == []  # building the index alone writes none
    assert vocab.ensure_cached(index_dir) and len(_cached(index_dir)) == 1
    (cached,) = _cached(index_dir)
    assert vocab.ensure_cached(index_dir) and _cached(index_dir) == [cached]  # there already

    def no_taxonomy(*args: object, **kwargs: object) -> None:
        raise AssertionError("the taxonomy was read although the cache holds it")

    monkeypatch.setattr(classify.taxonomy, "load_taxonomy", no_taxonomy)
    assert "topics:2.4" in _fresh_process_search(index_dir).expanded_query


def test_ensure_cached_writes_nothing_for_a_broken_taxonomy_and_never_raises(
        index_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise classify.taxonomy.TaxonomyError("terms.es.tsv, line 12: duplicate term")

    monkeypatch.setattr(classify.taxonomy, "load_taxonomy", broken)
    assert not vocab.ensure_cached(index_dir) and _cached(index_dir) == []
    monkeypatch.setattr(vocab, "digest", lambda: (_ for _ in ()).throw(OSError("unreadable glossary")))
    assert not vocab.ensure_cached(index_dir)
