"""Parse files in worker processes with a time limit and a memory limit.

Reading a file (pdfplumber, python-docx, OCR) and tagging its sections is the risky, CPU-heavy
part of ingest; it runs in a worker process so that a file that hangs, or that would eat the
machine's memory, costs only that worker: the parent kills it when the time limit passes
(``timed_out``), the worker's address space is capped so an allocation past the limit fails
(``too_large``), and a fresh worker takes its place. The parent, which alone writes to the
catalog and the index, keeps a flat memory footprint.

Workers come from a ``forkserver`` (safe when the parent has threads, as the web server does),
live for a whole batch, and take one job at a time over their own pipe; between jobs a worker
freezes its long-lived objects so that garbage collection no longer walks them (``_settle``).
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
import pickle
import resource
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Callable

from .model import Status

_PRELOAD = ["ingest.pipeline", "ingest.readers.pdf", "ingest.readers.docx"]


@dataclass(frozen=True, slots=True)
class Limits:
    """Per-file limits: seconds of wall time and bytes of memory beyond a worker's baseline."""

    time_limit: float = 60.0
    memory_limit: int = 1 << 30


@dataclass(frozen=True, slots=True)
class Failure:
    status: Status
    reason: str


def describe_bytes(n: int) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            value = n / size
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{n} bytes"


def describe_seconds(s: float) -> str:
    return f"{s:.0f} s" if s == int(s) else f"{s:.1f} s"


def _worker_main(conn: Connection, memory_limit: int) -> None:
    """Serve jobs until the pipe closes; a job is (function, args) and returns its result."""
    _cap_memory(memory_limit)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        func, args, env = job
        if env is not None and env != dict(os.environ):  # the parent's PATH and settings, as of this job
            os.environ.clear()
            os.environ.update(env)
        try:
            reply = ("ok", func(*args))
        except MemoryError:
            reply = ("fail", Failure(Status.TOO_LARGE, f"exceeded {describe_bytes(memory_limit)} of memory"))
        except BaseException as exc:  # the job's own errors travel back; the worker lives on
            reply = ("raise", exc)
        try:
            try:
                conn.send(reply)
            except (pickle.PicklingError, TypeError, AttributeError) as exc:  # a result that does not pickle
                conn.send(("raise", exc))
        except (BrokenPipeError, ConnectionResetError):
            return  # the parent is gone (killed, or stopped by Ctrl-C): no one to report to
        _settle()


def _settle() -> None:
    """Collect the job's garbage, then freeze what outlives it (spaCy matchers, taxonomy, caches).

    A worker keeps large long-lived caches: the lemma tables of four languages alone hold 1.5
    million entries. Every full collection that pdfminer's allocations trigger would walk them all
    again (about 0.5 s each, several per batch of PDFs); frozen objects are skipped. What a job
    leaves behind is collected here first, so no garbage is frozen.
    """
    gc.collect()
    gc.freeze()


def _cap_memory(limit: int) -> None:
    """Cap the address space at what the worker uses now plus ``limit``."""
    try:
        with open("/proc/self/status") as f:
            vm = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:"))
    except (OSError, StopIteration, ValueError):
        vm = 0
    cap = vm + limit
    try:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    except (ValueError, OSError):
        pass  # a platform without RLIMIT_AS: the time limit still applies


class _Worker:
    def __init__(self, ctx: Any, memory_limit: int) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, memory_limit), daemon=True)
        self.process.start()
        child.close()

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


class WorkerPool:
    """N worker processes; ``submit`` a job, then ``collect`` its result (or a Failure)."""

    def __init__(self, size: int = 1, limits: Limits = Limits()) -> None:
        self.limits = limits
        self.ctx = mp.get_context("forkserver")
        try:
            self.ctx.set_forkserver_preload(_PRELOAD)
        except (ValueError, RuntimeError):
            pass
        self.idle: list[_Worker] = [_Worker(self.ctx, limits.memory_limit) for _ in range(max(1, size))]
        self.busy: dict[int, tuple[_Worker, float]] = {}
        self._next = 0

    @property
    def size(self) -> int:
        return len(self.idle) + len(self.busy)

    def submit(self, func: Callable[..., Any], *args: Any) -> int:
        """Send a job to an idle worker (there must be one); returns a ticket for ``collect``."""
        worker = self.idle.pop()
        try:
            worker.conn.send((func, args, dict(os.environ)))
        except (BrokenPipeError, OSError):  # the worker died while idle: a fresh one takes the job
            worker.kill()
            worker = _Worker(self.ctx, self.limits.memory_limit)
            worker.conn.send((func, args, dict(os.environ)))
        ticket, self._next = self._next, self._next + 1
        self.busy[ticket] = (worker, time.monotonic())
        return ticket

    def collect(self, ticket: int) -> Any:
        """The job's result, a Failure (timed out, too large, worker died), or its exception re-raised."""
        worker, started = self.busy.pop(ticket)
        remaining = self.limits.time_limit - (time.monotonic() - started)
        try:
            ready = worker.conn.poll(max(0.0, remaining))
            message = worker.conn.recv() if ready else None
        except (EOFError, OSError):
            message = ("died", None)
        if message is None or message[0] == "died":
            code = worker.process.exitcode
            worker.kill()
            self.idle.append(_Worker(self.ctx, self.limits.memory_limit))
            if message is None:
                return Failure(Status.TIMED_OUT, f"timed out after {describe_seconds(self.limits.time_limit)}")
            return Failure(Status.TOO_LARGE if code in (-9, None) else Status.FAILED,
                           f"the reader crashed (exit {code}); exceeded {describe_bytes(self.limits.memory_limit)}"
                           " of memory?" if code in (-9, None) else f"the reader crashed (exit {code})")
        self.idle.append(worker)
        kind, value = message
        if kind == "raise":
            raise value
        return value

    def collect_any(self) -> tuple[int, Any]:
        """The first job to finish (or to pass its time limit): (ticket, what ``collect`` gives)."""
        from multiprocessing.connection import wait

        while True:
            now = time.monotonic()
            for ticket, (_, started) in list(self.busy.items()):
                if now - started >= self.limits.time_limit:
                    return ticket, self.collect(ticket)
            deadline = min(started for _, started in self.busy.values()) + self.limits.time_limit
            by_conn = {worker.conn: ticket for ticket, (worker, _) in self.busy.items()}
            ready = wait(list(by_conn), timeout=max(0.0, deadline - now))
            if ready:
                ticket = by_conn[ready[0]]  # type: ignore[index]
                return ticket, self.collect(ticket)

    @property
    def has_idle(self) -> bool:
        return bool(self.idle)

    def close(self) -> None:
        for worker in [*self.idle, *(w for w, _ in self.busy.values())]:
            worker.kill()
        self.idle, self.busy = [], {}

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
