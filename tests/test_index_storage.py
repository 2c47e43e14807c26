"""Writing the index: atomic rebuilds, updates, locks, damaged indexes, imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import index
from index.locking import LOCK_FILE, IndexLock
from index.opening import open_index
from index.storage import CURRENT_FILE, VERSION_FILE, current_generation, generation_dirs

ROOT = Path(__file__).resolve().parent.parent
FAST = index.IndexSettings(lock_timeout=0.3, lock_poll=0.05)


def section(id: str, title: str, text: str, **extra: Any) -> dict[str, Any]:
    record = {"id": id, "kind": "program", "title": title, "member_state": "Chile",
              "language": "es", "year": 2012, "date": "2012-01-01", "pillars": [2],
              "themes": ["2.1"], "institution": "", "text": text}
    record.update(extra)
    return record


RECORDS = [section("a", "Barrio seguro", "prevención comunitaria en los barrios"),
           section("b", "Escuelas seguras", "mediación escolar y convivencia", pillars=[4]),
           section("c", "Policía comunitaria", "patrullaje preventivo", pillars=[3])]


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    path = tmp_path / "index"
    index.build_index(RECORDS, path)
    return path


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def write_lock(index_dir: Path, pid: int, created: float) -> Path:
    path = index_dir / LOCK_FILE
    path.write_text(json.dumps({"pid": pid, "host": os.uname().nodename, "created": created}))
    return path


def test_status_of_missing_and_fresh_index(tmp_path: Path, index_dir: Path) -> None:
    assert index.index_status(tmp_path / "nothing").state == index.IndexState.MISSING
    status = index.index_status(index_dir)
    assert (status.state, status.doc_count, status.schema_version) == (
        index.IndexState.OK, 3, index.SCHEMA_VERSION)
    with pytest.raises(index.IndexUnavailableError, match="mispa reindex"):
        index.search(tmp_path / "nothing", "x")


def test_rebuild_is_atomic_and_old_searcher_keeps_working(index_dir: Path) -> None:
    before = open_index(index_dir)
    old_gen = current_generation(index_dir)
    report = index.build_index([section("z", "Nuevo", "cárceles y prisiones")], index_dir)
    assert report.generation != old_gen.name and report.doc_count == 1
    assert [h.id for h in index.search(index_dir, "", limit=10).hits] == ["z"]
    # a searcher opened before the rebuild still reads its own generation
    assert before.searcher.doc_count() == 3
    assert len(list(before.searcher.documents())) == 3
    assert old_gen.exists()  # kept for open searchers (keep_generations=2)


def test_failed_rebuild_leaves_the_live_index_alone(index_dir: Path) -> None:
    def broken() -> Any:
        yield section("x", "ok", "ok")
        raise RuntimeError("catalog went away")

    with pytest.raises(RuntimeError):
        index.build_index(broken(), index_dir)
    assert index.search(index_dir, "").total == 3
    assert len(generation_dirs(index_dir)) == 1
    assert not (index_dir / LOCK_FILE).exists()


def test_old_generations_are_pruned(index_dir: Path) -> None:
    for _ in range(3):
        index.build_index(RECORDS, index_dir)
    assert len(generation_dirs(index_dir)) == 2


def test_update_and_delete_sections(index_dir: Path) -> None:
    report = index.update_sections(index_dir, [section("a", "Barrio renovado", "alumbrado"),
                                               section("d", "Nuevo", "cárceles", pillars=[1])])
    assert report.added == 2 and report.doc_count == 4
    # untranslated: 'alumbrado' is a term of 2.1, which every record here is tagged with
    assert [h.title for h in index.search(index_dir, "alumbrado", translate=False).hits] == [
        "Barrio renovado"]
    assert index.search(index_dir, "prevención", translate=False).total == 0
    assert index.search(index_dir, "").facets["pillar"] == {"2": 1, "1": 1, "4": 1, "3": 1}
    deleted = index.delete_sections(index_dir, ["b", "missing"])
    assert deleted.deleted == 1
    result = index.search(index_dir, "")
    assert result.total == 3 and "4" not in result.facets["pillar"]


def test_writer_waits_then_reports_a_live_lock(index_dir: Path) -> None:
    write_lock(index_dir, os.getpid(), time.time())  # a live process holds it
    started = time.monotonic()
    with pytest.raises(index.IndexLockedError, match=f"locked by process {os.getpid()}"):
        index.update_sections(index_dir, RECORDS, settings=FAST)
    assert 0.25 <= time.monotonic() - started < 2
    assert index.index_status(index_dir).state == index.IndexState.LOCKED
    assert index.search(index_dir, "barrio").total == 1  # searches do not wait


def test_lock_of_a_dead_process_is_recovered(index_dir: Path) -> None:
    write_lock(index_dir, dead_pid(), time.time())
    assert index.index_status(index_dir).state == index.IndexState.STALE_LOCK
    index.update_sections(index_dir, [section("e", "x", "y")], settings=FAST)
    assert not (index_dir / LOCK_FILE).exists()
    assert index.index_status(index_dir).state == index.IndexState.OK


def test_lock_older_than_the_limit_is_recovered(index_dir: Path) -> None:
    write_lock(index_dir, os.getpid(), time.time() - 3600)
    settings = index.IndexSettings(lock_timeout=0.3, lock_poll=0.05, stale_lock_seconds=60)
    index.delete_sections(index_dir, ["a"], settings=settings)
    assert index.search(index_dir, "").total == 2


def test_lock_is_released_and_reentrant_between_writers(tmp_path: Path) -> None:
    with IndexLock(tmp_path, FAST):
        assert (tmp_path / LOCK_FILE).exists()
        with pytest.raises(index.IndexLockedError):
            IndexLock(tmp_path, FAST).acquire()
    assert not (tmp_path / LOCK_FILE).exists()


def test_corrupt_index_is_reported_not_deleted(index_dir: Path) -> None:
    gen = current_generation(index_dir)
    for path in gen.iterdir():
        if path.suffix in (".seg", ".toc"):
            path.write_bytes(b"garbage" * 10)
    files = sorted(p.name for p in gen.iterdir())
    from index.opening import forget
    forget(index_dir)
    with pytest.raises(index.IndexUnavailableError, match="mispa reindex") as caught:
        index.search(index_dir, "barrio")
    assert "\n" not in str(caught.value)
    assert index.index_status(index_dir).state == index.IndexState.CORRUPT
    assert sorted(p.name for p in gen.iterdir()) == files  # nothing deleted or recreated
    with pytest.raises(index.IndexUnavailableError):
        index.update_sections(index_dir, RECORDS, settings=FAST)
    assert sorted(p.name for p in gen.iterdir()) == files


def test_schema_version_mismatch_is_reported(index_dir: Path) -> None:
    gen = current_generation(index_dir)
    (gen / VERSION_FILE).write_text(json.dumps({"schema_version": 0, "doc_count": 3}))
    from index.opening import forget
    forget(index_dir)
    with pytest.raises(index.SchemaMismatchError, match="a rebuild is needed"):
        index.search(index_dir, "barrio")
    status = index.index_status(index_dir)
    assert (status.state, status.schema_version) == (index.IndexState.OUTDATED, 0)
    assert (index_dir / CURRENT_FILE).exists() and any(gen.iterdir())
    index.build_index(RECORDS, index_dir)  # the fix: reindex
    assert index.search(index_dir, "barrio").total == 1


def test_missing_record_field_is_reported(tmp_path: Path) -> None:
    with pytest.raises(index.InvalidRecordError, match="'kind'"):
        index.build_index([{"id": "x", "title": "t", "text": "t"}], tmp_path / "i")


def test_index_and_search_do_not_import_spacy(index_dir: Path) -> None:
    code = (
        "import sys, index\n"
        f"r = index.search({str(index_dir)!r}, 'domestic violence')\n"
        f"index.update_sections({str(index_dir)!r}, [])\n"
        "bad = [m for m in ('spacy', 'pdfplumber', 'click') if m in sys.modules]\n"
        "print(r.total, bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_searches_during_a_rebuild_see_old_or_new_never_half(index_dir: Path) -> None:
    import threading

    bigger = [section(f"n{i}", f"Nuevo {i}", "cárceles y prisiones") for i in range(400)]
    builder = threading.Thread(target=index.build_index, args=(bigger, index_dir))
    builder.start()
    totals = set()
    while builder.is_alive():
        totals.add(index.search(index_dir, "").total)
    builder.join()
    totals.add(index.search(index_dir, "").total)
    assert totals <= {3, 400} and 400 in totals


def test_facet_table_is_saved_beside_the_index(index_dir: Path) -> None:
    from index.facets import build_table, load_table

    gen = current_generation(index_dir)
    saved = list(gen.glob("mispa-facets-*.bin"))
    assert len(saved) == 1
    opened = open_index(index_dir)
    reader = opened.searcher.reader()
    loaded = load_table(gen, reader.generation(), reader.doc_count_all())
    assert loaded is not None
    docs = frozenset(range(reader.doc_count_all()))
    assert loaded.count(docs) == build_table(reader).count(docs)


def test_facet_table_saved_with_other_groups_still_loads(index_dir: Path) -> None:
    """A table written before facets.GROUPS changed is read with the groups it was saved with
    (counts unchanged), not refused and rebuilt at every process start."""
    from dataclasses import replace

    from index import facets

    gen = current_generation(index_dir)
    reader = open_index(index_dir).searcher.reader()
    table = facets.build_table(reader)
    older = (("member_state", "kind", "language", "year"), ("pillars", "themes"))
    size = reader.doc_count_all()
    saved = replace(table, groups=tuple(facets._group(table.columns, fields, size) for fields in older))
    facets.save_table(gen, saved)
    loaded = facets.load_table(gen, reader.generation(), size)
    assert loaded is not None
    assert [g.fields for g in loaded.groups] == [tuple(f) for f in older]
    docs = frozenset(range(0, size, 2))
    assert loaded.count(docs) == table.count(docs)


def test_hot_postings_match_whoosh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from index import hotpostings
    from index.docsets import read_postings
    from index.opening import forget

    monkeypatch.setattr(hotpostings, "_min_df", lambda doc_count: 1)
    path = tmp_path / "index"
    index.build_index(RECORDS, path)
    gen = current_generation(path)
    opened = open_index(path)
    reader = opened.searcher.reader()
    hot = hotpostings.HotPostings(hotpostings.hot_path(gen, reader.generation()),
                                  reader.generation(), reader.doc_count_all())
    assert hot.terms["stem_es"]
    for field, words in hot.terms.items():
        for word in words:
            cold = read_postings(reader, field, word)
            warm = hot.get(field, word)
            assert warm is not None and (warm.ids, warm.weights) == (cold.ids, cold.weights)
    with_hot = index.search(path, "barrios OR mediación")
    for stale in gen.glob("mispa-postings-*"):
        stale.unlink()
    forget(path)
    assert index.search(path, "barrios OR mediación") == with_hot


def test_section_in_another_language_is_found_through_body(tmp_path: Path) -> None:
    path = tmp_path / "index"
    index.build_index([*RECORDS, section("nl", "Wijkagent", "buurtpreventie in wijken",
                                         language="nl")], path)
    assert [h.id for h in index.search(path, "buurtpreventie").hits] == ["nl"]
    assert [h.id for h in index.search(path, 'title:"wijkagent"').hits] == ["nl"]
    assert index.search(path, "barrio").total == 1
