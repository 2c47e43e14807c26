"""Issue #9, point 4: concurrency. Searches and catalog reads while an ingest writes see the old or the
new state, never an error; two ingests at once serialize (the second waits, saying so); a backup
taken during an ingest is a consistent snapshot."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

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


def seeded(tmp_path: Path, count: int = 5) -> Path:
    """A data directory with ``count`` replies ingested and indexed."""
    data = tmp_path / "data"
    write_replies(tmp_path / "seed", count, prefix="seed")
    result = CliRunner().invoke(cli, ["--data-dir", str(data), "ingest", str(tmp_path / "seed")],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return data


def _consistent_read(catalog: Path) -> int:
    """In one read transaction: every ok document has its section, no other document has any."""
    with read_only(catalog) as db:
        db.execute("BEGIN")
        docs = {r[0]: r[1] for r in db.execute("SELECT id, status FROM documents")}
        owners = [r[0] for r in db.execute("SELECT document_id FROM sections")]
        db.execute("COMMIT")
    assert all(docs[o] == "ok" for o in owners)
    assert {d for d, s in docs.items() if s == "ok"} <= set(owners)
    return sum(s == "ok" for s in docs.values())


def test_searches_and_reads_during_an_ingest_see_old_or_new_state_never_an_error(tmp_path):
    import index

    data = seeded(tmp_path)
    write_replies(tmp_path / "in", 30)
    before = index.search(data / "index", "violencia", limit=1).total
    totals, counts, errors = set(), [], []
    with alarm(120):
        writer = start_mispa(data, "ingest", str(tmp_path / "in"))
        while writer.poll() is None:
            try:
                totals.add(index.search(data / "index", "violencia", limit=1).total)
                counts.append(_consistent_read(data / "catalog.sqlite"))
            except Exception as exc:  # any error is the failure this test looks for
                errors.append(repr(exc))
            time.sleep(0.02)  # leave the writer a core
        cli_search = mispa(data, "search", "violencia", "--format", "json")
    assert writer.returncode == 0, writer.stderr.read()[-2000:]
    after = index.search(data / "index", "violencia", limit=1).total
    assert errors == []
    assert after > before and totals <= {before, after}
    assert counts == sorted(counts) and len(counts) > 5  # the catalog only grows, and was read throughout
    assert cli_search.returncode == 0 and json.loads(cli_search.stdout)["total"] == after


def test_a_second_ingest_waits_for_the_first_with_a_message(tmp_path):
    from ingest.locking import IngestLock

    data = tmp_path / "data"
    write_replies(tmp_path / "in", 3)
    with alarm(60):
        lock = IngestLock(data).acquire()  # a first ingest, still running
        second = start_mispa(data, "ingest", "--json", str(tmp_path / "in"))
        message = second.stderr.readline()
        assert "another ingest is running" in message and f"process {os.getpid()}" in message
        time.sleep(0.5)
        assert second.poll() is None  # still waiting
        assert count_ok(data / "catalog.sqlite") == 0  # and wrote nothing
        lock.release()
        assert second.wait(timeout=60) == 0
    assert count_ok(data / "catalog.sqlite") == 3


def test_two_ingests_at_once_serialize_and_each_file_lands_once(tmp_path):
    data = seeded(tmp_path, 1)
    batch = write_replies(tmp_path / "in", 20)
    with alarm(120):
        first, second = (start_mispa(data, "ingest", str(tmp_path / "in")) for _ in range(2))
        errors = [p.stderr.read() for p in (first, second)]
        codes = [p.wait(timeout=90) for p in (first, second)]
    assert codes == [0, 0], errors
    assert sum("another ingest is running" in e for e in errors) == 1
    counts = rows(data / "catalog.sqlite", "SELECT count(*), count(DISTINCT sha256) FROM documents")
    assert counts == [(21, 21)]
    assert {r[0] for r in rows(data / "catalog.sqlite", "SELECT status FROM documents")} == {"ok"}
    assert len(batch) == 20

    from index.inventory import indexed_ids
    assert indexed_ids(data / "index") == ok_section_ids(data / "catalog.sqlite")


def test_a_backup_taken_during_an_ingest_is_a_consistent_snapshot(tmp_path):
    from ingest.backup import backup, restore

    data = seeded(tmp_path, 2)
    write_replies(tmp_path / "in", 40)
    snapshots: list[Path] = []
    with alarm(120):
        writer = start_mispa(data, "ingest", str(tmp_path / "in"))
        wait_for(lambda: count_ok(data / "catalog.sqlite") >= 10 or writer.poll() is not None, 60, "commits")
        while writer.poll() is None and len(snapshots) < 2:
            target = tmp_path / f"backup-{len(snapshots)}.zip"
            backup(data, target)
            snapshots.append(target)
        writer.wait(timeout=90)
    assert snapshots, "the ingest finished before a backup could be taken"
    for n, snapshot in enumerate(snapshots):
        restored = tmp_path / f"restored-{n}"
        restore(snapshot, restored)
        assert rows(restored / "catalog.sqlite", "PRAGMA integrity_check") == [("ok",)]
        assert _consistent_read(restored / "catalog.sqlite") >= 2


def test_backup_and_search_do_not_wait_for_the_ingest_lock(tmp_path):
    """Readers never take the ingest lock: they run while an ingest holds it."""
    from ingest.locking import IngestLock

    data = seeded(tmp_path, 2)
    with alarm(60), IngestLock(data):
        done = threading.Event()
        result = {}

        def read() -> None:
            result["search"] = mispa(data, "search", "violencia", "--format", "json", timeout=50)
            result["backup"] = mispa(data, "backup", str(tmp_path / "b.zip"), timeout=50)
            done.set()

        threading.Thread(target=read, daemon=True).start()
        assert done.wait(50)
    assert result["search"].returncode == 0 and result["backup"].returncode == 0
