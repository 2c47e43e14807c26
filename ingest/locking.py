"""The ingest lock: one ingest at a time per data directory, and a record of ingests that died.

An ingest holds an exclusive ``flock`` on ``DATA/ingest.lock`` for its whole run and writes its
pid, host and start time into the file; a second ingest waits for the first (saying so once) and
then goes on. The kernel drops the lock when its holder dies, however it dies (``SIGKILL``
included), so a lock is never left behind; but the holder's record is left, since only a clean
release empties the file. The next ingest therefore knows the previous one was killed
(``IngestLock.recovered``) and can bring the derived index back in step with the catalog, and
``mispa doctor`` reports such a record as a stale lock. Searches never take this lock: SQLite's WAL
and the index's atomic generations let them read while an ingest writes.

The catalog must be on a local disk (flock over NFS is not reliable; SQLite's WAL needs it too).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

LOCK_FILE = "ingest.lock"
POLL_SECONDS = 0.2


class IngestLockTimeout(Exception):
    """Another ingest still holds the data directory"""


@dataclass(frozen=True, slots=True)
class LockRecord:
    """Who holds (or last held) the ingest lock."""

    pid: int
    host: str
    started: str  # ISO date-time, UTC

    def describe(self) -> str:
        return f"process {self.pid} on {self.host}, started {self.started}"


@dataclass(frozen=True, slots=True)
class LockState:
    """What ``inspect_lock`` found: nobody, a live ingest, or the record of one that died."""

    held: bool
    record: LockRecord | None

    @property
    def stale(self) -> bool:
        return not self.held and self.record is not None


def _read(fd: int) -> LockRecord | None:
    os.lseek(fd, 0, os.SEEK_SET)
    data = os.read(fd, 4096)
    try:
        raw = json.loads(data.decode("utf-8"))
        return LockRecord(int(raw["pid"]), str(raw["host"]), str(raw["started"]))
    except (ValueError, KeyError, TypeError):
        return None


def _try_flock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


class IngestLock:
    """Hold the ingest lock of ``data_dir``; waits for another ingest (``timeout`` None: as long as it takes).

    >>> with IngestLock(Path("mispa-data"), on_wait=print) as lock:  # doctest: +SKIP
    ...     lock.recovered  # the record of a previous ingest that was killed, else None
    """

    def __init__(self, data_dir: Path, *, timeout: float | None = None,
                 on_wait: Callable[[str], None] | None = None) -> None:
        self.path = Path(data_dir) / LOCK_FILE
        self.timeout = timeout
        self.on_wait = on_wait
        self.recovered: LockRecord | None = None
        self._fd: int | None = None

    def __enter__(self) -> IngestLock:
        return self.acquire()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()

    def acquire(self) -> IngestLock:
        """Take the lock (waiting if another ingest holds it) and record ourselves in it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            self._wait(fd)
        except BaseException:
            os.close(fd)
            raise
        self.recovered = _read(fd)
        record = LockRecord(os.getpid(), socket.gethostname(),
                            dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(_as_dict(record)).encode(), 0)
        os.fsync(fd)
        self._fd = fd
        return self

    def _wait(self, fd: int) -> None:
        if _try_flock(fd):
            return
        if self.on_wait is not None:
            holder = _read(fd)
            who = holder.describe() if holder else "another process"
            self.on_wait(f"another ingest is running ({who}); waiting for it to finish...")
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        while not _try_flock(fd):
            if deadline is not None and time.monotonic() >= deadline:
                raise IngestLockTimeout(f"another ingest still holds {self.path} after {self.timeout:g} s")
            time.sleep(POLL_SECONDS)

    def release(self) -> None:
        """Empty the record (a clean finish) and drop the lock; safe to call twice."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
            os.fsync(fd)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def _as_dict(record: LockRecord) -> dict[str, object]:
    return {"pid": record.pid, "host": record.host, "started": record.started}


def inspect_lock(data_dir: Path) -> LockState:
    """Whether an ingest holds the lock now, and the record in it (a stale one when nobody holds it)."""
    path = Path(data_dir) / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return LockState(False, None)
    try:
        free = _try_flock(fd)
        if free:
            fcntl.flock(fd, fcntl.LOCK_UN)
        return LockState(not free, _read(fd))
    finally:
        os.close(fd)
