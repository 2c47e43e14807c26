"""Helpers shared by the crash, concurrency, backup and doctor tests of issue #9: the real `mispa`
in a subprocess, batches of generated replies, and read-only views of a catalog."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .make_files import reply_docx

ROOT = Path(__file__).resolve().parents[2]
THEMES = ["Policía Comunitaria", "Prevención de la Violencia Escolar", "Reinserción Juvenil",
          "Observatorio del Delito", "Mediación Comunitaria", "Violencia Doméstica", "Control de Armas"]


def mispa_command(data: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "search_cli", "--data-dir", str(data), *args]


def mispa(data: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the real `mispa` command to completion (text output)."""
    return subprocess.run(mispa_command(data, *args), cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def start_mispa(data: Path, *args: str) -> subprocess.Popen[str]:
    """Start `mispa` in the background (stderr piped, stdout discarded)."""
    return subprocess.Popen(mispa_command(data, *args), cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def write_replies(folder: Path, count: int, prefix: str = "reply") -> list[Path]:
    """``count`` distinct small replies (one program each), named ``prefix-NNN.docx``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        path = folder / f"{prefix}-{n:03d}.docx"
        title = f"{THEMES[n % len(THEMES)]} {prefix} {n}"
        body = f"Objetivo: reducir la violencia en el barrio {n}. Resultados medidos."
        path.write_bytes(reply_docx(title, body))
        paths.append(path)
    return paths


@contextmanager
def read_only(catalog: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection (it never takes a write lock, so it never disturbs an ingest)."""
    db = sqlite3.connect(f"{catalog.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    db.row_factory = sqlite3.Row
    try:
        yield db
    finally:
        db.close()


def count_ok(catalog: Path) -> int:
    if not catalog.exists():
        return 0
    try:
        with read_only(catalog) as db:
            return int(db.execute("SELECT count(*) FROM documents WHERE status = 'ok'").fetchone()[0])
    except sqlite3.OperationalError:  # not created yet
        return 0


def wait_for(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what}")
        time.sleep(0.05)


def ok_section_ids(catalog: Path) -> set[str]:
    with read_only(catalog) as db:
        return {r[0] for r in db.execute(
            "SELECT s.id FROM sections s JOIN documents d ON d.id = s.document_id WHERE d.status = 'ok'")}


def rows(catalog: Path, sql: str) -> list[tuple[Any, ...]]:
    with read_only(catalog) as db:
        return [tuple(r) for r in db.execute(sql)]


@contextmanager
def alarm(seconds: int) -> Iterator[None]:
    """Fail the enclosing test instead of hanging past ``seconds``."""
    def expired(*_: Any) -> None:
        raise TimeoutError(f"test exceeded its {seconds} s limit")
    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
