"""Issue #9, point 3: crash safety. `mispa ingest` is killed with SIGKILL in the middle of a batch and
run again; the catalog then holds every file exactly once with a truthful status, the index holds
exactly the catalog's sections, and reviewer decisions made before are intact."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest
from click.testing import CliRunner
from hostile.harness import (
    alarm,
    count_ok,
    mispa,
    ok_section_ids,
    read_only,
    rows,
    start_mispa,
    wait_for,
    write_replies,
)

from search_cli.cli import cli

CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "replies"
BATCH = 100
KILL_AFTER = 10  # committed files before the kill


def run(data: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--data-dir", str(data), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def has_review_tables(catalog: Path) -> bool:
    with read_only(catalog) as db:
        return db.execute("SELECT 1 FROM sqlite_master WHERE name = 'reviews'").fetchone() is not None


@pytest.fixture
def reviewed(tmp_path) -> tuple[Path, dict[str, str]]:
    """A data directory with one corpus reply ingested and two reviewer decisions recorded."""
    data = tmp_path / "data"
    run(data, "ingest", str(CORPUS / "jam-2013-table.docx"))
    ids = [r["id"] for r in json.loads(run(data, "export", "--format", "json"))]
    decisions = {}
    if has_review_tables(data / "catalog.sqlite"):
        run(data, "review", "set", ids[0], "--pillar", "3", "--theme", "3.1", "--by", "ana")
        run(data, "review", "accept", ids[1], "--by", "ana")
        decisions = {ids[0]: "set", ids[1]: "accept"}
    return data, decisions


def review_state(data: Path) -> tuple[list[tuple], list[tuple]]:
    catalog = data / "catalog.sqlite"
    if not has_review_tables(catalog):
        return [], []
    return (rows(catalog, "SELECT * FROM reviews ORDER BY key"),
            rows(catalog, "SELECT * FROM review_log ORDER BY id"))


def test_a_killed_ingest_rerun_leaves_every_file_once_the_index_in_step_reviews_intact(reviewed, tmp_path):
    data, decisions = reviewed
    catalog = data / "catalog.sqlite"
    batch = write_replies(tmp_path / "in", BATCH)
    (tmp_path / "in" / "jam-again.docx").write_bytes((CORPUS / "jam-2013-table.docx").read_bytes())
    reviews_before = review_state(data)
    with alarm(120):
        victim = start_mispa(data, "ingest", "--json", str(tmp_path / "in"))
        wait_for(lambda: count_ok(catalog) >= 1 + KILL_AFTER or victim.poll() is not None, 60, "commits")
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait()
        assert victim.returncode == -signal.SIGKILL, "the batch finished before it could be killed"
        killed_at = count_ok(catalog)
        assert 1 + KILL_AFTER <= killed_at < 1 + BATCH
        _assert_truthful_after_the_kill(catalog)
        rerun = mispa(data, "ingest", "--json", str(tmp_path / "in"))
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert "did not finish" in rerun.stderr  # the killed ingest was noticed
    outcomes = json.loads(rerun.stdout)["files"]
    assert sum(o["status"] == "duplicate" for o in outcomes) >= killed_at - 1

    paths = [r[0] for r in rows(catalog, "SELECT path FROM documents")]
    expected = {str(p.resolve()) for p in batch} | {str((CORPUS / "jam-2013-table.docx").resolve())}
    assert sorted(paths) == sorted(expected)
    assert rows(catalog, "SELECT status, count(*) FROM documents GROUP BY status") == [("ok", BATCH + 1)]
    assert rows(catalog, "SELECT count(*) FROM sections") == [(BATCH + 5,)]  # jam: 5, replies: 1 each
    assert rows(catalog, "PRAGMA integrity_check") == [("ok",)]

    from index.inventory import indexed_ids
    assert indexed_ids(data / "index") == ok_section_ids(catalog)

    if not decisions:
        pytest.skip("no review tables in this catalog (issue #6): reviewer decisions not checked")
    assert review_state(data) == reviews_before
    for sid in decisions:
        shown = json.loads(run(data, "show", sid, "--format", "json"))
        assert {t["source"] for t in shown["tags"]} == {"reviewer"}


def _assert_truthful_after_the_kill(catalog: Path) -> None:
    """Right after the kill: every row is ok with its sections, or failed as interrupted with none."""
    with read_only(catalog) as db:
        docs = db.execute("SELECT id, status, reason FROM documents").fetchall()
        with_sections = {r[0] for r in db.execute("SELECT DISTINCT document_id FROM sections")}
    for doc_id, status, reason in docs:
        assert status in ("ok", "failed"), status
        if status == "failed":
            assert reason == "interrupted while ingesting" and doc_id not in with_sections
    # only the files being read when killed (one per worker in flight) are left as interrupted
    assert sum(status == "failed" for _, status, _ in docs) < BATCH - KILL_AFTER


def test_a_rerun_after_a_kill_during_indexing_brings_the_index_in_step(reviewed, tmp_path):
    """A kill after the catalog commits but before the index is updated: the lock's record tells."""
    import index
    from ingest.locking import LOCK_FILE

    data, _ = reviewed
    catalog = data / "catalog.sqlite"
    write_replies(tmp_path / "in", 3)
    run(data, "ingest", str(tmp_path / "in"))
    gone = sorted(ok_section_ids(catalog))[:4]
    index.delete_sections(data / "index", gone)  # as if the index update never happened
    record = {"pid": 999_999_999, "host": "gone", "started": "2024-01-01T00:00:00"}
    (data / LOCK_FILE).write_text(json.dumps(record))
    result = mispa(data, "ingest", "--json", str(tmp_path / "in"))  # nothing new to read
    assert result.returncode == 0 and "did not finish" in result.stderr
    from index.inventory import indexed_ids
    assert indexed_ids(data / "index") == ok_section_ids(catalog)
    assert (data / LOCK_FILE).read_text() == ""  # a clean finish empties the record
