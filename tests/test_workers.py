"""Worker processes (ingest.workers): what a worker keeps between jobs."""

from __future__ import annotations

import gc
import weakref

from ingest.workers import WorkerPool

_LEFT: list[weakref.ref] = []


class _Node:
    """An object that can sit in a reference cycle and be weakly referenced."""


def _leave_a_cycle() -> None:
    """A job that leaves garbage only the cycle collector can free."""
    node = _Node()
    node.self = node  # type: ignore[attr-defined]
    _LEFT.append(weakref.ref(node))


def _worker_state() -> tuple[int, bool]:
    """(objects frozen in this worker, whether the previous job's cycle was freed)."""
    return gc.get_freeze_count(), _LEFT[0]() is None


def test_a_worker_freezes_what_outlives_a_job_after_collecting_its_garbage():
    with WorkerPool(1) as pool:
        pool.collect(pool.submit(_leave_a_cycle))
        frozen, cycle_freed = pool.collect(pool.submit(_worker_state))
    assert frozen > 0  # later full collections skip the worker's long-lived objects
    assert cycle_freed  # the job's garbage was collected, not frozen


def test_a_worker_starved_of_memory_under_another_name_reports_too_large(tmp_path, monkeypatch):
    import errno

    import pytest

    from ingest import pipeline
    from ingest.model import Status
    from ingest.workers import Failure

    path = tmp_path / "reply.docx"
    path.write_bytes(b"PK\x03\x04")
    options = pipeline.IngestOptions()
    chained = SystemError("<built-in function load> returned a result with an exception set")
    chained.__context__ = MemoryError()
    for starved in (ImportError("_multiarray_umath.so: failed to map segment from shared object"),
                    RuntimeError("can't allocate read lock"), OSError(errno.ENOMEM, "Cannot allocate memory"),
                    chained):
        def read(*_args, error=starved):
            raise error
        monkeypatch.setattr(pipeline, "read_document", read)
        with pytest.raises(MemoryError):  # the worker turns it into too_large, naming the limit
            pipeline.parse_file(path, path.name, options, None, None, None)
    monkeypatch.setattr(pipeline, "read_document", lambda *_: (_ for _ in ()).throw(ImportError("no module x")))
    failure = pipeline.parse_file(path, path.name, options, None, None, None)
    assert isinstance(failure, Failure) and failure.status == Status.FAILED  # a real import error stays one


def test_a_worker_whose_parent_is_gone_stops_quietly():
    """An ingest killed mid-batch left each worker printing two BrokenPipeError tracebacks."""
    import subprocess
    import sys

    script = (
        "import os\n"
        "from multiprocessing import Pipe\n"
        "from ingest.workers import _worker_main\n"
        "parent, child = Pipe()\n"
        "parent.send((os.getpid, (), None))\n"
        "parent.close()\n"
        "_worker_main(child, 1 << 40)\n"
        "print('stopped')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, "stopped", "")
