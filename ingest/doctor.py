"""Checks on a data directory for ``mispa doctor`` (issue #9, point 9): each says how to fix itself.

The catalog is opened read-only (never migrated or repaired here): SQLite's integrity and foreign
key checks, the schema version against this mispa's, statuses outside the closed set, files left
"interrupted" by a killed ingest, sections of documents that are not ``ok``. Then the ingest lock
(a record left by a killed ingest), the system tools and Python packages the readers use. The index
checks live with the index (``search_cli.commands_admin`` compares ``index.inventory.indexed_ids``
with ``ok_section_ids``), since this package never imports the index.
"""

from __future__ import annotations

import importlib.util
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .catalog import SCHEMA_VERSION
from .locking import LOCK_FILE, inspect_lock
from .model import Status

CLOSED_SET = tuple(s.value for s in Status if s != Status.FAILED)
TOOLS = {  # tool: (what needs it, the package that installs it)
    "soffice": (".doc, .rtf and .odt files", "apt-get install libreoffice-writer-nogui"),
    "tesseract": ("scanned PDFs (OCR)", "apt-get install tesseract-ocr"),
    "pdftoppm": ("scanned PDFs (OCR)", "apt-get install poppler-utils"),
    "qpdf": ("repairing PDFs by hand", "apt-get install qpdf"),
}
PACKAGES = {"pikepdf": "PDF checks and repair", "docx": "Word files", "pdfplumber": "PDF files",
            "extract_msg": "Outlook .msg files"}
OCR_LANGUAGES = ("spa", "eng", "por", "fra")


@dataclass(frozen=True, slots=True)
class Finding:
    """One check: ``ok`` or a problem, with what was found and how to fix it."""

    check: str
    ok: bool
    message: str
    fix: str = ""

    def __post_init__(self) -> None:
        if self.ok:
            object.__setattr__(self, "fix", "")  # nothing to fix

    def as_dict(self) -> dict[str, object]:
        return {"check": self.check, "ok": self.ok, "message": self.message, "fix": self.fix}


def check_catalog(catalog_path: Path) -> list[Finding]:
    """Integrity, schema version and truthful statuses of the catalog, opened read-only."""
    if not catalog_path.is_file():
        return [Finding("catalog", False, f"no catalog at {catalog_path}",
                        "run `mispa ingest FILES` to create it, or `mispa restore BACKUP`")]
    try:
        db = sqlite3.connect(f"{catalog_path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        try:
            return [_integrity(db), _schema(db), *_statuses(db)]
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        return [Finding("catalog", False, f"cannot read the catalog: {exc}",
                        "restore the last backup (`mispa restore BACKUP` into an empty directory)")]


def _integrity(db: sqlite3.Connection) -> Finding:
    result = [r[0] for r in db.execute("PRAGMA integrity_check")]
    broken = db.execute("PRAGMA foreign_key_check").fetchall()
    if result == ["ok"] and not broken:
        return Finding("catalog integrity", True, "SQLite integrity and foreign key checks pass")
    detail = "; ".join(result[:3]) if result != ["ok"] else f"{len(broken)} rows break foreign keys"
    return Finding("catalog integrity", False, f"the catalog is damaged: {detail}",
                   "restore the last backup (`mispa restore BACKUP` into an empty directory), then re-ingest")


def _schema(db: sqlite3.Connection) -> Finding:
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if version == SCHEMA_VERSION:
        return Finding("schema version", True, f"v{version}, as this mispa expects")
    if version > SCHEMA_VERSION:
        return Finding("schema version", False, f"v{version} is newer than this mispa (v{SCHEMA_VERSION})",
                       "upgrade mispa (pip install -U mispa)")
    return Finding("schema version", False, f"v{version}, this mispa uses v{SCHEMA_VERSION}",
                   "run `mispa status` once: the catalog is upgraded when it is opened")


def _statuses(db: sqlite3.Connection) -> list[Finding]:
    found = dict(db.execute("SELECT status, count(*) FROM documents GROUP BY status").fetchall())
    unknown = {s: n for s, n in found.items() if s not in CLOSED_SET and s != Status.FAILED}
    interrupted = int(db.execute("SELECT count(*) FROM documents WHERE status = 'failed' "
                                 "AND reason = 'interrupted while ingesting'").fetchone()[0])
    orphans = int(db.execute("SELECT count(*) FROM sections s JOIN documents d ON d.id = s.document_id "
                             "WHERE d.status != 'ok'").fetchone()[0])
    return [
        Finding("statuses", not unknown, "every document has a status from the closed set" if not unknown
                else f"unknown statuses: {unknown}", "re-ingest those files with `mispa ingest --retry`"),
        Finding("interrupted files", not interrupted, "no file was left half-ingested" if not interrupted
                else f"{interrupted} files were being ingested when an ingest stopped",
                "run `mispa ingest --retry` (or the same `mispa ingest` again): it finishes them"),
        Finding("orphan sections", not orphans, "only ok documents have sections" if not orphans
                else f"{orphans} sections belong to documents that are not ok",
                "re-ingest those documents with `mispa ingest --retry`"),
    ]


def ok_section_ids(catalog_path: Path) -> frozenset[str]:
    """The ids of the sections of ``ok`` documents: what the index must hold."""
    db = sqlite3.connect(f"{catalog_path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        return frozenset(r[0] for r in db.execute(
            "SELECT s.id FROM sections s JOIN documents d ON d.id = s.document_id WHERE d.status = 'ok'"))
    finally:
        db.close()


def check_ingest_lock(data_dir: Path) -> Finding:
    """A record left in the ingest lock by an ingest that was killed."""
    state = inspect_lock(data_dir)
    if state.held and state.record is not None:
        return Finding("ingest lock", True, f"an ingest is running ({state.record.describe()})")
    if state.stale and state.record is not None:
        return Finding("ingest lock", False, f"stale: the ingest by {state.record.describe()} did not finish",
                       "run `mispa ingest --retry`: it finishes interrupted files and brings the index in "
                       f"step (or delete {data_dir / LOCK_FILE} and run `mispa reindex`)")
    return Finding("ingest lock", True, "no ingest running, none left unfinished")


def check_data_file(check: str, read: Callable[[], str]) -> Finding:
    """Whether ``read`` reads the data files it reads: it returns what it found, or raises
    DataFileError naming the file and line of a mistake (which stops the commands that need them)."""
    from .datafiles import DataFileError

    try:
        return Finding(check, True, read())
    except DataFileError as exc:
        return Finding(check, False, str(exc), f"correct it in {exc.folder}")


def read_data_files() -> str:
    """check_data_file's reader for the data files of ingest/data/."""
    from .datafiles import check

    check()
    return "labels, headings, language markers and Member States read"


def check_tools() -> list[Finding]:
    """System tools and Python packages the readers need, and Tesseract's language packs."""
    findings = []
    for tool, (needed_for, install) in TOOLS.items():
        found = shutil.which(tool)
        message = found or f"not found: needed for {needed_for}"
        findings.append(Finding(f"tool {tool}", found is not None, message, "" if found else install))
    tesseract = shutil.which("tesseract")
    if tesseract is not None:
        from .ocr import installed_languages

        missing = [code for code in OCR_LANGUAGES if code not in installed_languages(tesseract)]
        findings.append(Finding("OCR languages", not missing, "spa, eng, por, fra installed" if not missing
                                else f"missing: {', '.join(missing)}",
                                " ".join(f"apt-get install tesseract-ocr-{c}" for c in missing)))
    for module, needed_for in PACKAGES.items():
        present = importlib.util.find_spec(module) is not None
        findings.append(Finding(f"package {module}", present, "installed" if present
                                else f"not installed: needed for {needed_for}",
                                "" if present else "pip install -e . (in mispa's virtual environment)"))
    return findings
