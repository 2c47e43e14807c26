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
