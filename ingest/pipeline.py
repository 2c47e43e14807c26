"""Ingest files into the catalog: read, split, resolve language, state and date, tag, commit.

Each file is recorded as failed before it is parsed and set to ``ok`` only when its sections are
committed, so a crash leaves every file with a truthful status. A bad file gets a status and a
one-line reason and never stops the batch. Tagging and indexing are passed in as callables, so
this package imports neither classify nor index.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .catalog import Catalog, DocumentInfo
from .dates import find_date
from .dispatch import read_document
from .errors import IngestError
from .language import detect_language
from .model import ExtractedDocument, Section, Status, Tag
from .sections import split_sections
from .sniff import sniff_format
from .states import find_states, member_states, normalize_state
from .text import clean, squash

Tagger = Callable[[Section], tuple[list[Tag], str]]
OnCommit = Callable[[list[str]], None]
_ISO_IN_NAME = re.compile(r"(?<![a-z])([a-z]{3})(?![a-z])")


@dataclass(frozen=True, slots=True)
class IngestOptions:
    country: str | None = None
    year: int | None = None
    retry: bool = False


@dataclass(frozen=True, slots=True)
class FileOutcome:
    path: str
    status: Status
    reason: str = ""
    sections: int = 0
    section_ids: tuple[str, ...] = ()
    sha256: str = ""


@dataclass(slots=True)
class IngestReport:
    files: list[FileOutcome] = field(default_factory=list)

    def totals(self) -> dict[str, int]:
        counts = Counter(str(f.status) for f in self.files)
        return {"files": len(self.files), "sections": sum(f.sections for f in self.files), **counts}

    @property
    def failed(self) -> list[FileOutcome]:
        return [f for f in self.files if f.status not in (Status.OK, Status.DUPLICATE)]


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files given, and files found recursively in folders given (hidden ones skipped), sorted."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and not any(p.startswith(".") for p in child.relative_to(path).parts):
                    yield child
        else:
            yield path


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def ingest_paths(paths: Iterable[Path], catalog: Catalog, options: IngestOptions = IngestOptions(),
                 tagger: Tagger | None = None, on_commit: OnCommit | None = None,
                 progress: Callable[[FileOutcome], None] | None = None) -> IngestReport:
    """Ingest every file under ``paths``; returns one outcome per file, whatever happened."""
    report = IngestReport()
    for path in iter_files(paths):
        outcome = ingest_file(path, catalog, options, tagger)
        if on_commit is not None and outcome.section_ids:
            on_commit(list(outcome.section_ids))
        report.files.append(outcome)
        if progress is not None:
            progress(outcome)
    return report


def ingest_file(path: Path, catalog: Catalog, options: IngestOptions = IngestOptions(),
                tagger: Tagger | None = None) -> FileOutcome:
    """Ingest one file; never raises for a bad file (the outcome says why)."""
    try:
        sha = sha256_file(path)
    except OSError as exc:
        return FileOutcome(str(path), Status.FAILED, f"cannot read file: {exc.strerror or exc}")
    existing = catalog.find_document(sha)
    if existing is not None and (existing["status"] == Status.OK or not options.retry
                                 and existing["status"] not in (Status.FAILED,)):
        reason = (f"already in the catalog as {existing['file_name']}" if existing["status"] == Status.OK
                  else f"already recorded as {existing['status']}: {existing['reason']} (use --retry)")
        status = Status.DUPLICATE if existing["status"] == Status.OK else Status(existing["status"])
        return FileOutcome(str(path), status, reason, sha256=sha)
    info = DocumentInfo(sha256=sha, file_name=_display_name(path), path=str(path.resolve()),
                        format="", status=Status.FAILED)
    catalog.begin_document(info)
    try:
        fmt = sniff_format(path)
        info = dataclasses.replace(info, format=str(fmt))
        doc = read_document(path, fmt)
        return _commit(doc, info, catalog, options, tagger)
    except IngestError as exc:
        return _record_failure(catalog, info, exc.status, str(exc) or (exc.__doc__ or ""))
    except MemoryError:
        return _record_failure(catalog, info, Status.TOO_LARGE, "ran out of memory while reading")
    except Exception as exc:  # one bad file must never stop the batch
        return _record_failure(catalog, info, Status.FAILED, f"unexpected {type(exc).__name__}: {exc}")


def _record_failure(catalog: Catalog, info: DocumentInfo, status: Status, reason: str) -> FileOutcome:
    reason = squash(clean(reason))[:300]
    catalog.finish_document(dataclasses.replace(info, status=status, reason=reason), [])
    return FileOutcome(info.path, status, reason, sha256=info.sha256)


def _commit(doc: ExtractedDocument, info: DocumentInfo, catalog: Catalog, options: IngestOptions,
            tagger: Tagger | None) -> FileOutcome:
    split = split_sections(doc)
    all_text = "\n".join([split.cover_text, *(s.text for s in split.sections)])
    language = detect_language(all_text)
    state = _document_state(doc, split.sections, split.cover_text, Path(info.path), options)
    date = _reply_date(doc, split.cover_text, options)
    sections = [dataclasses.replace(s, language=detect_language(s.text) or language,
                                    member_state=normalize_state(s.member_state_text) or state)
                for s in split.sections]
    tagged = {s.ordinal: tagger(s) for s in sections} if tagger else {}
    reason = "" if sections else "no questionnaire sections found"
    info = dataclasses.replace(
        info, status=Status.OK, reason=reason, page_count=doc.page_count, language=language,
        member_state=state, reply_date=date.isoformat() if date else None,
        year=date.year if date else options.year, cover_text=clean(split.cover_text), metadata=doc.metadata)
    ids = catalog.finish_document(info, sections, tagged)
    return FileOutcome(info.path, Status.OK, reason, len(ids), tuple(ids), info.sha256)


def _document_state(doc: ExtractedDocument, sections: list[Section] | tuple[Section, ...], cover: str,
                    path: Path, options: IngestOptions) -> str | None:
    """The form's field, else the cover note, else the headings, else the file name, else --country."""
    named = Counter(n for n in (normalize_state(s.member_state_text) for s in sections) if n)
    if named:
        return named.most_common(1)[0][0]
    for text in (cover, "\n".join(b.text for b in doc.blocks if b.kind == "heading")):
        found = find_states(text)
        if found:
            return found[0]
    by_iso = {m.iso.lower(): m.name for m in member_states()}
    stem = path.stem.lower()
    for token in _ISO_IN_NAME.findall(stem):
        if token in by_iso:
            return by_iso[token]
    return normalize_state(stem.replace("_", " ").replace("-", " ")) or (
        normalize_state(options.country) if options.country else None) or options.country


def _reply_date(doc: ExtractedDocument, cover: str, options: IngestOptions) -> dt.date | None:
    found = find_date(cover)
    if found:
        return found
    created = doc.metadata.get("created", "")
    try:
        date = dt.date.fromisoformat(created) if created else None
    except ValueError:
        date = None
    if date and 1990 <= date.year <= dt.date.today().year:
        return date
    return None


def _display_name(path: Path) -> str:
    """The file's name as given, bytes that are not UTF-8 shown escaped."""
    return clean(path.name.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))
