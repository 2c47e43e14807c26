"""Backup and restore of a data directory's system of record (issue #9, point 5).

A backup is one zip file holding ``mispa-backup.json`` (what is inside, with checksums),
``catalog.sqlite`` and the original files the data directory keeps (``uploads/``, where the web
upload keeps what it received, and ``originals/``).
The catalog is copied with SQLite's online backup API, which gives a consistent snapshot even while
an ingest writes; the snapshot is checked (``PRAGMA integrity_check``) and switched out of WAL
mode so it is one self-contained file. Reviewer decisions and their audit log live in the catalog
and travel with it. The zip is written beside the target and renamed into place, so a crash
never leaves half a backup under the final name. The index is not backed up: it is derived, and
rebuilt after a restore.

``restore`` only writes into an empty (or missing) data directory; it verifies the archive's
checksums and the catalog's integrity before anything is put in place. Documents whose path lay in
the backed-up data directory (uploads) are pointed at the same files in the new one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from .catalog import SCHEMA_VERSION
from .pipeline import sha256_file

MANIFEST = "mispa-backup.json"
CATALOG = "catalog.sqlite"
KEPT = ("uploads", "originals")  # folders of the data directory that hold original files
FORMAT = "mispa-backup"
FORMAT_VERSION = 1  # v1 - catalog snapshot, kept originals


class BackupError(Exception):
    """The backup could not be made or restored"""


@dataclass(frozen=True, slots=True)
class BackupSummary:
    """What a backup holds (also the body of its manifest)."""

    path: str
    created: str
    schema_version: int
    documents: int
    sections: int
    reviews: int
    review_log: int
    originals: int

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def backup(data_dir: Path, target: Path) -> BackupSummary:
    """Write a backup of ``data_dir`` to ``target`` (which must not exist)."""
    catalog = data_dir / CATALOG
    if not catalog.is_file():
        raise BackupError(f"no catalog at {catalog}: nothing to back up")
    if target.exists():
        raise BackupError(f"{target} already exists; choose another name")
    if not target.parent.is_dir():
        raise BackupError(f"no directory {target.parent} to write the backup into")
    with tempfile.TemporaryDirectory(prefix="mispa-backup-", dir=target.parent) as tmp:
        snapshot = Path(tmp) / CATALOG
        _snapshot(catalog, snapshot)
        originals = _originals(data_dir)
        counts = _counts(snapshot)
        created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        summary = BackupSummary(str(target), created, counts.pop("schema_version"), originals=len(originals),
                                **counts)
        manifest = {"format": FORMAT, "version": FORMAT_VERSION, **summary.as_dict(),
                    "data_dir": str(data_dir.resolve()),
                    "sha256": {CATALOG: sha256_file(snapshot), **{rel: sha256_file(p) for rel, p in originals}}}
        partial = Path(tmp) / "backup.zip"
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as z:
            z.writestr(MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False))
            z.write(snapshot, CATALOG)
            for rel, path in originals:
                z.write(path, rel)
        _fsync(partial)
        os.replace(partial, target)
    return summary


def _snapshot(source: Path, target: Path) -> None:
    """A consistent copy through the online backup API, checked, as one file (journal_mode DELETE)."""
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")
        _check_integrity(dst, "the snapshot")
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"cannot copy the catalog: {exc}") from exc
    finally:
        dst.close()
        src.close()


def _check_integrity(db: sqlite3.Connection, what: str) -> None:
    result = [r[0] for r in db.execute("PRAGMA integrity_check")]
    if result != ["ok"]:
        raise BackupError(f"{what} fails SQLite's integrity check: {'; '.join(result[:3])}")


def _counts(path: Path) -> dict[str, int]:
    db = sqlite3.connect(path)
    try:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}

        def count(table: str) -> int:
            return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]) if table in tables else 0

        return {"schema_version": int(db.execute("PRAGMA user_version").fetchone()[0]),
                "documents": count("documents"), "sections": count("sections"),
                "reviews": count("reviews"), "review_log": count("review_log")}
    finally:
        db.close()


def _originals(data_dir: Path) -> list[tuple[str, Path]]:
    """The original files the data directory keeps, as (name in the backup, path)."""
    found = []
    for folder in KEPT:
        root = data_dir / folder
        if root.is_dir():
            found += [(p.relative_to(data_dir).as_posix(), p) for p in sorted(root.rglob("*"))
                      if p.is_file() and not p.is_symlink()]
    return found


def _fsync(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def read_manifest(archive: Path) -> dict[str, Any]:
    """The manifest of a backup file; raises BackupError when it is not one."""
    try:
        with zipfile.ZipFile(archive) as z:
            manifest = json.loads(z.read(MANIFEST))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise BackupError(f"{archive} is not a mispa backup ({type(exc).__name__})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} is not a mispa backup")
    if manifest.get("version", 0) > FORMAT_VERSION or manifest.get("schema_version", 0) > SCHEMA_VERSION:
        raise BackupError(f"{archive} was made by a newer mispa; upgrade mispa to restore it")
    return manifest


def restore(archive: Path, data_dir: Path) -> BackupSummary:
    """Restore a backup into ``data_dir``, which must be empty or missing; returns its summary."""
    if data_dir.exists() and (not data_dir.is_dir() or any(data_dir.iterdir())):
        raise BackupError(f"{data_dir} is not empty: restore into an empty data directory")
    manifest = read_manifest(archive)
    checksums: dict[str, str] = manifest.get("sha256", {})
    if CATALOG not in checksums:
        raise BackupError(f"{archive} holds no catalog")
    data_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=data_dir))
    try:
        with zipfile.ZipFile(archive) as z:
            for name, expected in checksums.items():
                _extract(z, name, expected, staging)
        db = sqlite3.connect(staging / CATALOG)
        try:
            _check_integrity(db, "the backed-up catalog")
            _relocate(db, str(manifest.get("data_dir", "")), str(data_dir.resolve()))
        finally:
            db.close()
        for child in staging.iterdir():
            os.replace(child, data_dir / child.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    fields = {f.name: manifest[f.name] for f in dataclasses.fields(BackupSummary) if f.name in manifest}
    return BackupSummary(**{**fields, "path": str(archive)})


def _relocate(db: sqlite3.Connection, old: str, new: str) -> None:
    """Point paths inside the old data directory (kept uploads) at the new one."""
    if not old or old == new:
        return
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    with db:
        for table in ("documents", "sources"):
            if table in tables:
                db.execute(f"UPDATE {table} SET path = ? || substr(path, ?) WHERE substr(path, 1, ?) = ?",
                           (new, len(old) + 1, len(old) + 1, old + "/"))


def _extract(z: zipfile.ZipFile, name: str, expected: str, staging: Path) -> None:
    """Copy one member out under its own (checked) name and verify its checksum."""
    parts = PurePosixPath(name).parts
    if name != CATALOG and (len(parts) < 2 or parts[0] not in KEPT or ".." in parts or name.startswith("/")):
        raise BackupError(f"refused: unexpected member {name!r} in the backup")
    target = staging.joinpath(*parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    try:
        with z.open(name) as src, open(target, "xb") as dst:
            while chunk := src.read(1 << 20):
                digest.update(chunk)
                dst.write(chunk)
    except (KeyError, zipfile.BadZipFile, OSError) as exc:
        raise BackupError(f"cannot read {name} from the backup ({exc})") from exc
    if digest.hexdigest() != expected:
        raise BackupError(f"{name} in the backup is damaged (checksum mismatch)")
