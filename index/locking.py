"""The writer lock: one writer per index directory, with crashed writers recovered.

A writer creates `write.lock` exclusively (O_EXCL) and records its pid, host and
start time in it. Another writer waits and retries every `lock_poll` seconds for at
most `lock_timeout`, then raises IndexLockedError naming the holder. A lock is
stale, and is taken over, when its pid is dead on this host or it is older than
`stale_lock_seconds` (a crashed process never removes its lock).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from index.errors import IndexLockedError
from index.settings import IndexSettings

LOCK_FILE = "write.lock"
_UNWRITTEN_GRACE = 5.0  # seconds a lock may stay empty while its owner writes it


@dataclass(frozen=True, slots=True)
class LockInfo:
    """Who holds a lock, as recorded in the lock file."""

    pid: int
    host: str
    created: float

    def as_dict(self) -> dict[str, object]:
        """Plain dict for status output."""
        return {"pid": self.pid, "host": self.host, "created": self.created}


def read_lock(path: Path) -> LockInfo | None:
    """The holder recorded in a lock file, or None when it is absent or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return LockInfo(int(data["pid"]), str(data["host"]), float(data["created"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _hostname() -> str:
    import socket  # here: searches import this module (index.status) and never take a lock

    return socket.gethostname()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_stale(path: Path, settings: IndexSettings) -> bool:
    """True when the lock at `path` was left by a dead or long-gone writer."""
    try:
        age = time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return False
    info = read_lock(path)
    if info is None:
        return age > _UNWRITTEN_GRACE
    if info.host == _hostname() and not _pid_alive(info.pid):
        return True
    return time.time() - info.created > settings.stale_lock_seconds


class IndexLock:
    """Context manager holding the writer lock of one index directory.

    >>> with IndexLock(Path("data/index"), IndexSettings()):  # doctest: +SKIP
    ...     pass
    """

    def __init__(self, index_dir: Path, settings: IndexSettings) -> None:
        self.path = index_dir / LOCK_FILE
        self.settings = settings
        self.info = LockInfo(os.getpid(), _hostname(), time.time())

    def __enter__(self) -> IndexLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def acquire(self) -> None:
        """Take the lock, waiting up to `lock_timeout` seconds; recover stale locks."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + self.settings.lock_timeout
        while True:
            if self._try_create():
                return
            if is_stale(self.path, self.settings):
                self._break_stale()
                continue
            if time.monotonic() >= deadline:
                raise IndexLockedError(self._locked_message())
            time.sleep(self.settings.lock_poll)

    def _try_create(self) -> bool:
        try:
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(self.info.as_dict(), handle)
        return True

    def _break_stale(self) -> None:
        # Rename first, so two waiters cannot both delete: only one rename succeeds.
        holder = read_lock(self.path)
        aside = self.path.with_name(f"{LOCK_FILE}.stale-{os.getpid()}")
        try:
            os.rename(self.path, aside)
        except FileNotFoundError:
            return
        if read_lock(aside) != holder:  # a live writer re-took it in between: give it back
            try:
                os.link(aside, self.path)
            except FileExistsError:
                pass
        aside.unlink(missing_ok=True)

    def _locked_message(self) -> str:
        holder = read_lock(self.path)
        who = f"process {holder.pid} on {holder.host}" if holder else "another process"
        return (
            f"The search index at {self.path.parent} is locked by {who}; "
            f"gave up after {self.settings.lock_timeout:g} s. Try again when it finishes."
        )

    def release(self) -> None:
        """Remove the lock file if it is still ours."""
        if read_lock(self.path) == self.info:
            self.path.unlink(missing_ok=True)
