"""Uploads ingested in the background, one job at a time, with a status file per job.

A job is a folder ``DATA_DIR/uploads/<job id>/`` holding the files as received (``files/NN/name``,
kept: the catalog's documents point at them, so their originals stay downloadable) and
``status.json`` (state, files, and one outcome per file as ingestion proceeds). One worker thread
ingests jobs in order through ``ingest.pipeline.ingest_paths``, the same path as ``mispa ingest``,
then refreshes the search index. Jobs still queued or running when the server stopped are queued
again at start-up; files already ingested are recognised by their hash and reported as duplicates.
This module has no Flask import.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import queue
import re
import secrets
import threading
import time
import unicodedata
from pathlib import Path
from typing import Any, BinaryIO

from ingest.settings import Settings

JOB_ID = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{6}$")
MAX_IDS = 50  # section ids kept per file outcome (for links)


def safe_name(raw: str | None, n: int) -> str:
    """A received file name fit to store: no folders, no control characters, not hidden, <=150 chars.
    Accents are kept (the name is shown in the catalog and may name the Member State)."""
    name = unicodedata.normalize("NFC", (raw or "").replace("\\", "/").split("/")[-1])
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip().lstrip(".")
    if len(name) > 150:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:140] + dot + ext[:9]) if dot else name[:150]
    return name or f"upload-{n}"


class UploadQueue:
    """Jobs under ``settings.data_dir / "uploads"``; ``index_lock`` guards the shared search index."""

    def __init__(self, settings: Settings, index_lock: threading.Lock) -> None:
        self.settings = settings
        self.root = settings.data_dir / "uploads"
        self.index_lock = index_lock
        self._queue: queue.Queue[str] = queue.Queue()
        self._status_lock = threading.Lock()
        self._worker: threading.Thread | None = None

    # -- jobs --------------------------------------------------------------------------
    def create(self, user: str, files: list[tuple[str | None, BinaryIO]], country: str | None = None,
               year: int | None = None) -> str:
        """Store the received files as a new job and queue it; returns the job id."""
        job = f"{dt.datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
        stored = []
        for n, (raw_name, stream) in enumerate(files, 1):
            name = safe_name(raw_name, n)
            target = self.root / job / "files" / f"{n:02d}" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "wb") as out:
                size = _copy(stream, out)
            stored.append({"name": name, "stored": str(target.relative_to(self.root / job)), "bytes": size})
        status = {"id": job, "user": user, "created_at": _now(), "state": "queued", "country": country,
                  "year": year, "files": stored, "outcomes": [], "units": len(stored), "done": 0,
                  "reason": "", "finished_at": None}
        self._save(status)
        self._enqueue(job)
        return job

    def get(self, job: str) -> dict[str, Any] | None:
        if not JOB_ID.match(job):
            return None
        path = self.root / job / "status.json"
        with self._status_lock:
            try:
                data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return None
        return data

    def jobs(self, user: str | None = None) -> list[dict[str, Any]]:
        """Every job (or one user's), newest first."""
        found = (self.get(p.name) for p in self.root.glob("*") if p.is_dir()) if self.root.exists() else ()
        return sorted((j for j in found if j and (user is None or j["user"] == user)),
                      key=lambda j: j["id"], reverse=True)

    def resume(self) -> None:
        """Queue again the jobs a stopped server left queued or running."""
        for job in sorted(self.jobs(), key=lambda j: j["id"]):
            if job["state"] in ("queued", "running"):
                self._enqueue(job["id"])

    def wait(self, timeout: float = 60.0) -> bool:
        """Block until every queued job is done (for tests and shutdown); False on timeout."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    # -- worker ------------------------------------------------------------------------
    def _enqueue(self, job: str) -> None:
        self._queue.put(job)
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(target=self._work, name="mispa-uploads", daemon=True)
            self._worker.start()

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            try:
                self._run(job)
            finally:
                self._queue.task_done()

    def _run(self, job: str) -> None:
        status = self.get(job)
        if status is None or status["state"] not in ("queued", "running"):
            return
        status.update(state="running", outcomes=[])
        self._save(status)
        try:
            warning = self._ingest(status)
            status.update(state="done", reason=warning)
        except Exception as exc:  # the job records why; the server keeps serving
            status.update(state="failed", reason=f"{type(exc).__name__}: {exc}")
        status["finished_at"] = _now()
        self._save(status)

    def _ingest(self, status: dict[str, Any]) -> str:
        """Ingest the job's files under the data directory's ingest lock (one ingest at a time, CLI
        included), saving each outcome as it comes; returns an index warning or ""."""
        from ingest.catalog import Catalog
        from ingest.locking import IngestLock
        from ingest.pipeline import IngestOptions, count_units, ingest_paths
        from search_cli.wiring import make_tagger

        base = self.root / status["id"]
        options = IngestOptions(country=status.get("country"), year=status.get("year"))
        paths = [base / f["stored"] for f in status["files"]]
        status.update(units=count_units(paths), done=0)

        def progress(outcome: Any) -> None:
            status["outcomes"].append(_outcome(outcome, base))
            status["done"] += 1 if getattr(outcome, "unit", True) else 0
            self._save(status)

        def waiting(message: str) -> None:
            status["reason"] = message
            self._save(status)

        with IngestLock(self.settings.data_dir, on_wait=waiting) as lock, \
                Catalog(self.settings.catalog_path) as catalog:
            status["reason"] = ""
            report = ingest_paths(paths, catalog, options, tagger=make_tagger(), progress=progress)
            ids = [i for f in report.files for i in f.section_ids]
            return self._refresh(catalog, None if lock.recovered is not None else ids)

    def _refresh(self, catalog: Any, ids: list[str] | None) -> str:
        """Update the index for ``ids`` (rebuild it whole for None: an earlier ingest was killed)."""
        import index
        from search_cli.wiring import records, refresh_index

        try:
            with self.index_lock:
                if ids is None:
                    index.build_index(records(catalog), self.settings.index_dir)
                else:
                    refresh_index(catalog, self.settings.index_dir, ids)
        except Exception as exc:  # the catalog holds everything; `mispa reindex` rebuilds the index
            return f"search index not updated ({exc}); run `mispa reindex`"
        return ""

    def _save(self, status: dict[str, Any]) -> None:
        path = self.root / status["id"] / "status.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with self._status_lock:
            tmp.write_text(json.dumps(status, ensure_ascii=False, indent=1), encoding="utf-8")
            os.replace(tmp, path)


def _outcome(outcome: Any, base: Path) -> dict[str, Any]:
    shown = str(outcome.path)
    for prefix in (str(base.resolve() / "files") + os.sep, str(base / "files") + os.sep):
        if shown.startswith(prefix):
            shown = shown[len(prefix):].split(os.sep, 1)[-1]
    return {"file": shown, "kind": getattr(outcome, "kind", "file"), "status": str(outcome.status),
            "reason": outcome.reason,
            "sections": outcome.sections, "section_ids": list(outcome.section_ids[:MAX_IDS])}


def _copy(stream: BinaryIO, out: BinaryIO) -> int:
    size = 0
    for chunk in iter(lambda: stream.read(1 << 20), b""):
        out.write(chunk)
        size += len(chunk)
    return size


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
