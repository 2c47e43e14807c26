"""Ingest files into the catalog: expand containers, read, split, resolve language, state and date,
tag, commit.

Each file is recorded as failed before it is parsed and set to ``ok`` only when its sections are
committed, so a crash leaves every file with a truthful status. A bad file gets a status and a
one-line reason and never stops the batch. Tagging and indexing are passed in as callables, so
this package imports neither classify nor index.

Containers (e-mail messages, mailboxes, zip archives; ``ingest.containers``) are expanded first:
each member is written under a generated name into a private temporary directory and ingested
like a file given on the command line, recursively, with an ``Origin`` that says where it came
from (its display name, its locator ``container!/member``, the source row, and the member state
and date the message gives). Every member's outcome is recorded as an entry of its source
(``ingest.sources``), so that ``mispa status`` accounts for all of them.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import datetime as dt
import functools
import hashlib
import mailbox
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import sources
from .catalog import Catalog, DocumentInfo
from .containers import CONTAINER_FORMATS, Container, Limits, Member, SourceInfo, opener_for
from .dates import find_date
from .dispatch import read_document
from .errors import IngestError, out_of_memory
from .language import detect_language
from .model import ExtractedDocument, Format, Section, Status, Tag
from .sections import split_sections
from .sniff import sniff_format
from .states import find_states, member_states, normalize_state
from .text import clean, squash
from .workers import Failure, WorkerPool
from .workers import Limits as WorkerLimits

Tagger = Callable[[Section], tuple[list[Tag], str]]
OnCommit = Callable[[list[str]], None]
_ISO_IN_NAME = re.compile(r"(?<![a-z])([a-z]{3})(?![a-z])")
_KINDS = {Format.EML: "message", Format.MSG: "message", Format.MBOX: "mailbox", Format.ZIP: "archive"}


@dataclass(frozen=True, slots=True)
class IngestOptions:
    """What the command line sets. ``time_limit`` (seconds) and ``memory_limit`` (bytes) bound the
    reading of one file in its worker process; ``workers`` is how many files are read at once."""

    country: str | None = None
    year: int | None = None
    retry: bool = False
    limits: Limits = Limits()
    time_limit: float = 60.0
    memory_limit: int = 1 << 30
    workers: int = 1

    def __post_init__(self) -> None:
        if self.time_limit <= 0 or self.memory_limit <= 0 or self.workers < 1:
            raise ValueError("time limit, memory limit and workers must be positive")


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """What happened to one file, container or member.

    ``kind`` is "file" (a document), "note" (a cover letter kept with its source), or the
    container's kind ("message", "mailbox", "archive"). ``unit`` is True when the outcome completes
    one step of a progress bar (a file given, or one message of a mailbox given).
    """

    path: str
    status: Status
    reason: str = ""
    sections: int = 0
    section_ids: tuple[str, ...] = ()
    sha256: str = ""
    kind: str = "file"
    unit: bool = True


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a container's member came from."""

    name: str  # the member's display name (never used as a path)
    path: str  # its locator, e.g. "/in/reply.eml!/Respuesta.docx"
    source_id: int | None = None
    state: str | None = None  # the member state the message names (domain, subject, body)
    date: dt.date | None = None  # the date the message was sent
    depth: int = 0  # how many containers it is nested in


@dataclass(slots=True)
class IngestReport:
    files: list[FileOutcome] = field(default_factory=list)

    def totals(self) -> dict[str, int]:
        counts = Counter(str(f.status) for f in self.files)
        containers = Counter(f.kind for f in self.files if f.kind not in ("file", "note"))
        return {"files": sum(f.kind == "file" for f in self.files), **containers,
                "sections": sum(f.sections for f in self.files), **counts}

    @property
    def failed(self) -> list[FileOutcome]:
        return [f for f in self.files if f.status not in (Status.OK, Status.DUPLICATE)]


@dataclass(frozen=True, slots=True)
class _Run:
    catalog: Catalog
    options: IngestOptions
    tagger: Tagger | None
    pool: WorkerPool
    in_flight: dict[str, str] = field(default_factory=dict)  # checksum -> name, of files being read now


@dataclass(frozen=True, slots=True)
class Parsed:
    """What a worker learns from one document, for the parent to commit."""

    format: str
    sections: list[Section]
    tagged: dict[int, tuple[list[Tag], str]]
    page_count: int | None
    language: str | None
    member_state: str | None
    reply_date: dt.date | None
    cover_text: str
    metadata: dict[str, str]


@dataclass(slots=True)
class _Pending:
    """A document handed to a worker (``ticket``) or already decided (``outcome``)."""

    outcome: FileOutcome | None = None
    ticket: int | None = None
    info: DocumentInfo | None = None
    unit: bool = True
    recheck: tuple[str, str] | None = None  # (shown path, checksum) of a copy of a file in flight


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files given, and files found recursively in folders given (hidden ones skipped), sorted."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and not any(p.startswith(".") for p in child.relative_to(path).parts):
                    yield child
        else:
            yield path


def count_units(paths: Iterable[Path]) -> int:
    """Steps of a progress bar over these files: one per file, one per message of a mailbox."""
    total = 0
    for path in paths:
        try:
            total += len(mailbox.mbox(str(path), create=False)) if sniff_format(path) == Format.MBOX else 1
        except (OSError, mailbox.Error):
            total += 1
    return total


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def ingest_paths(paths: Iterable[Path], catalog: Catalog, options: IngestOptions = IngestOptions(),
                 tagger: Tagger | None = None, on_commit: OnCommit | None = None,
                 progress: Callable[[FileOutcome], None] | None = None,
                 pool: WorkerPool | None = None) -> IngestReport:
    """Ingest every file under ``paths``, containers expanded; one outcome per file, member and container.

    A long-lived caller may pass its own ``pool`` (workers stay warm between batches); otherwise one
    is made for the batch from ``options``.
    """
    report = IngestReport()
    limits = WorkerLimits(options.time_limit, options.memory_limit)
    with contextlib.nullcontext(pool) if pool is not None else WorkerPool(options.workers, limits) as pool:
        run = _Run(catalog, options, tagger, pool)
        for outcome in _iter_top(iter_files(paths), run):
            if on_commit is not None and outcome.section_ids:
                on_commit(list(outcome.section_ids))
            report.files.append(outcome)
            if progress is not None:
                progress(outcome)
    return report


def _iter_top(paths: Iterable[Path], run: _Run) -> Iterator[FileOutcome]:
    """Files given: documents are read by the workers in parallel and committed in order;
    a container is expanded once the documents before it are committed."""
    pending: collections.deque[_Pending] = collections.deque()
    for path in paths:
        try:
            fmt: Format | None = sniff_format(path)
        except OSError:
            fmt = None  # _iter_item reports it
        if fmt is None or fmt in CONTAINER_FORMATS:
            yield from _drain(pending, run, 0)
            yield from _iter_item(path, run, None, fmt, True)
            continue
        yield from _drain(pending, run, run.pool.size - 1)
        pending.append(_start(path, run, None, fmt))
    yield from _drain(pending, run, 0)


def _drain(pending: collections.deque[_Pending], run: _Run, keep: int) -> Iterator[FileOutcome]:
    """Commit documents as their workers finish, whatever their order, until at most ``keep`` are
    still being read; outcomes are given in the order the files came (a slow PDF does not keep the
    other workers idle, only its own place in the output)."""
    while True:
        while pending and pending[0].ticket is None and pending[0].recheck is None:
            yield _finish(pending.popleft(), run)
        if pending and pending[0].recheck is not None:
            yield _finish(pending.popleft(), run)
            continue
        if sum(p.ticket is not None for p in pending) <= keep:
            return
        ticket, result = run.pool.collect_any()
        entry = next(p for p in pending if p.ticket == ticket)
        entry.outcome, entry.ticket = _complete(entry, result, run), None


def _iter_item(path: Path, run: _Run, origin: Origin | None, fmt: Format | None,
               unit: bool) -> Iterator[FileOutcome]:
    """A file or member: a container is expanded (its own outcome comes last), a document ingested."""
    try:
        fmt = fmt or sniff_format(path)
    except OSError as exc:
        shown = origin.path if origin else str(path)
        yield FileOutcome(shown, Status.FAILED, f"cannot read file: {exc.strerror or exc}", unit=unit)
        return
    if fmt in CONTAINER_FORMATS:
        yield from _iter_container(path, fmt, run, origin, unit)
    else:
        yield _finish(_start(path, run, origin, fmt, unit), run)


def _iter_container(path: Path, fmt: Format, run: _Run, origin: Origin | None,
                    unit: bool) -> Iterator[FileOutcome]:
    """Record the container as a source, ingest its members, then give its own outcome."""
    kind = _KINDS[fmt]
    shown = origin.path if origin else str(path.resolve())
    done = functools.partial(FileOutcome, shown, kind=kind, unit=unit and kind != "mailbox")
    try:
        sha = sha256_file(path)
    except OSError as exc:
        yield done(Status.FAILED, f"cannot read file: {exc.strerror or exc}")
        return
    existing = sources.find_source(run.catalog, sha)
    if existing is not None and existing["status"] != Status.FAILED and not run.options.retry:
        yield done(Status.DUPLICATE, f"already in the catalog as {existing['name']}", sha256=sha)
        return
    name, parent_id = (origin.name, origin.source_id) if origin else (_display_name(path), None)
    source_id = sources.begin_source(run.catalog, sha, kind, name, shown, parent_id)
    depth, limit = (origin.depth if origin else 0), run.options.limits.max_depth
    status, reason, info = Status.TOO_COMPLEX, f"nested {depth} containers deep (limit {limit})", None
    if depth < limit:
        status, reason, info = yield from _iter_expanded(path, fmt, run, origin, source_id, shown,
                                                         unit and kind == "mailbox")
    sources.finish_source(run.catalog, source_id, info, status, reason)
    yield done(status, reason, sha256=sha)


def _iter_expanded(path: Path, fmt: Format, run: _Run, origin: Origin | None, source_id: int, shown: str,
                   unit: bool) -> Generator[FileOutcome, None, tuple[Status, str, SourceInfo | None]]:
    """Open the container in a private directory and ingest each member; returns its outcome."""
    with tempfile.TemporaryDirectory(prefix="mispa-expand-") as tmp:
        container: Container | None = None
        try:
            container = opener_for(fmt)(path, Path(tmp), run.options.limits)
            for ordinal, member in enumerate(container.members):
                yield from _iter_member(member, ordinal, container.info, source_id, shown, origin, run, unit)
            status, reason = _container_status(container.problems)
        except IngestError as exc:
            status, reason = exc.status, squash(clean(str(exc) or (exc.__doc__ or "")))[:300]
        except Exception as exc:  # one bad container must never stop the batch
            status, reason = Status.FAILED, f"unexpected {type(exc).__name__}: {exc}"[:300]
    return status, reason, container.info if container is not None else None


def _iter_member(member: Member, ordinal: int, info: SourceInfo, source_id: int, parent_path: str,
                 parent: Origin | None, run: _Run, unit: bool) -> Iterator[FileOutcome]:
    locator = f"{parent_path}{sources.MEMBER_SEPARATOR}{member.name}"
    if member.note or member.path is None:
        status = Status.OK if member.note else (member.status or Status.FAILED)
        kind = "note" if member.note else "file"
        yield FileOutcome(locator, status, member.reason, kind=kind, unit=unit)
        sources.record_entry(run.catalog, source_id, ordinal,
                             sources.Entry(member.name, kind, "", str(status), member.reason))
        return
    sent = _iso_date(info.sent_at)
    origin = Origin(name=member.name, path=locator, source_id=source_id,
                    state=info.member_state or (parent.state if parent else None),
                    date=sent or (parent.date if parent else None), depth=(parent.depth if parent else 0) + 1)
    last: FileOutcome | None = None
    for outcome in _iter_item(member.path, run, origin, member.format, unit):
        last = outcome
        yield outcome
    if last is not None:
        entry = sources.Entry(member.name, last.kind, last.sha256, str(last.status), last.reason)
        sources.record_entry(run.catalog, source_id, ordinal, entry)
    member.path.unlink(missing_ok=True)


def _container_status(problems: list[tuple[Status, str]]) -> tuple[Status, str]:
    if not problems:
        return Status.OK, ""
    shown = "; ".join(reason for _, reason in problems[:3])
    more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
    return problems[0][0], f"refused in part: {shown}{more}"[:300]


def _iso_date(value: str | None) -> dt.date | None:
    try:
        return dt.datetime.fromisoformat(value).date() if value else None
    except ValueError:
        return None


def _start(path: Path, run: _Run, origin: Origin | None, fmt: Format | None, unit: bool = True) -> _Pending:
    """Check a document against the catalog, record it as failed, and hand it to a worker."""
    catalog, options = run.catalog, run.options
    shown = origin.path if origin else str(path.resolve())
    try:
        sha = sha256_file(path)
    except OSError as exc:
        return _Pending(FileOutcome(shown, Status.FAILED, f"cannot read file: {exc.strerror or exc}", unit=unit))
    if sha in run.in_flight:  # the same bytes are being read: decide once that copy is committed
        return _Pending(recheck=(shown, sha), unit=unit)
    existing = catalog.find_document(sha)
    if existing is not None and (existing["status"] == Status.OK or not options.retry
                                 and existing["status"] not in (Status.FAILED,)):
        return _Pending(_known(existing, shown, sha, unit))
    info = DocumentInfo(sha256=sha, file_name=origin.name if origin else _display_name(path), path=shown,
                        format=str(fmt or ""), status=Status.FAILED, source="attachment" if origin else "file")
    catalog.begin_document(info)
    run.in_flight[sha] = info.file_name
    hints = (origin.state, origin.date) if origin else (None, None)
    ticket = run.pool.submit(parse_file, path, info.file_name, options, run.tagger, *hints)
    return _Pending(ticket=ticket, info=info, unit=unit)


def _known(existing: Any, shown: str, sha: str, unit: bool) -> FileOutcome:
    """The outcome of a file whose bytes the catalog has already seen."""
    if existing["status"] == Status.OK:
        return FileOutcome(shown, Status.DUPLICATE, f"already in the catalog as {existing['file_name']}",
                           sha256=sha, unit=unit)
    reason = f"already recorded as {existing['status']}: {existing['reason']} (use --retry)"
    return FileOutcome(shown, Status(existing["status"]), reason, sha256=sha, unit=unit)


def _finish(pending: _Pending, run: _Run) -> FileOutcome:
    """Wait for a document's worker and commit what it read (or record why it could not)."""
    if pending.recheck is not None:
        shown, sha = pending.recheck
        existing = run.catalog.find_document(sha)
        if existing is None:
            return FileOutcome(shown, Status.FAILED, "a copy in this batch could not be recorded", unit=pending.unit)
        if existing["status"] == Status.OK:
            return _known(existing, shown, sha, pending.unit)
        return FileOutcome(shown, Status.DUPLICATE, f"the same bytes as {existing['file_name']}, recorded as "
                           f"{existing['status']}: {existing['reason']}", sha256=sha, unit=pending.unit)
    if pending.ticket is None or pending.info is None:
        assert pending.outcome is not None
        return pending.outcome
    try:
        result = run.pool.collect(pending.ticket)
    except BaseException:
        run.in_flight.pop(pending.info.sha256, None)
        raise
    return _complete(pending, result, run)


def _complete(pending: _Pending, result: Any, run: _Run) -> FileOutcome:
    """Commit what a worker read (or record why it could not)."""
    info = pending.info
    assert info is not None
    run.in_flight.pop(info.sha256, None)
    if isinstance(result, Failure):
        outcome = _record_failure(run.catalog, info, result.status, result.reason)
    else:
        outcome = _store(run.catalog, info, result, run.options)
    return dataclasses.replace(outcome, unit=pending.unit)


def ingest_file(path: Path, catalog: Catalog, options: IngestOptions = IngestOptions(),
                tagger: Tagger | None = None, origin: Origin | None = None) -> FileOutcome:
    """Ingest one document (not a container); never raises for a bad file (the outcome says why)."""
    limits = WorkerLimits(options.time_limit, options.memory_limit)
    with WorkerPool(1, limits) as pool:
        run = _Run(catalog, options, tagger, pool)
        return _finish(_start(path, run, origin, None), run)


def parse_file(path: Path, file_name: str, options: IngestOptions, tagger: Tagger | None,
               state_hint: str | None, date_hint: dt.date | None) -> Parsed | Failure:
    """Read, split, resolve and tag one document. Runs in a worker; returns a Failure for a bad file."""
    try:
        fmt = sniff_format(path)
        doc = read_document(path, fmt)
        return _parse(doc, str(fmt), file_name, options, tagger, state_hint, date_hint)
    except IngestError as exc:
        return Failure(exc.status, str(exc) or (exc.__doc__ or ""))
    except MemoryError:
        raise  # the worker reports it with the limit it exceeded
    except RecursionError:
        return Failure(Status.TOO_COMPLEX, "nested too deeply to read")
    except Exception as exc:  # one bad file must never stop the batch
        if out_of_memory(exc):
            raise MemoryError(str(exc)) from exc  # the worker reports it with the limit it exceeded
        return Failure(Status.FAILED, f"unexpected {type(exc).__name__}: {exc}")


def _record_failure(catalog: Catalog, info: DocumentInfo, status: Status, reason: str) -> FileOutcome:
    reason = squash(clean(reason))[:300]
    catalog.finish_document(dataclasses.replace(info, status=status, reason=reason), [])
    return FileOutcome(info.path, status, reason, sha256=info.sha256)


def _parse(doc: ExtractedDocument, fmt: str, file_name: str, options: IngestOptions, tagger: Tagger | None,
           state_hint: str | None, date_hint: dt.date | None) -> Parsed:
    split = split_sections(doc)
    all_text = "\n".join([split.cover_text, *(s.text for s in split.sections)])
    language = detect_language(all_text)
    state = _document_state(doc, split.sections, split.cover_text, Path(file_name), options, state_hint)
    date = _reply_date(doc, split.cover_text, options, date_hint)
    sections = [dataclasses.replace(s, language=detect_language(s.text) or language,
                                    member_state=normalize_state(s.member_state_text) or state)
                for s in split.sections]
    tagged = {s.ordinal: tagger(s) for s in sections} if tagger else {}
    return Parsed(fmt, sections, tagged, doc.page_count, language, state, date, clean(split.cover_text),
                  doc.metadata)


def _store(catalog: Catalog, info: DocumentInfo, parsed: Parsed, options: IngestOptions) -> FileOutcome:
    reason = "" if parsed.sections else "no questionnaire sections found"
    date = parsed.reply_date
    info = dataclasses.replace(
        info, format=parsed.format, status=Status.OK, reason=reason, page_count=parsed.page_count,
        language=parsed.language, member_state=parsed.member_state,
        reply_date=date.isoformat() if date else None, year=date.year if date else options.year,
        cover_text=parsed.cover_text, metadata=parsed.metadata)
    with catalog.transaction():
        ids = catalog.finish_document(info, parsed.sections, parsed.tagged)
        _mark_ocr(catalog, info.sha256, parsed.metadata, parsed.sections, ids)
    return FileOutcome(info.path, Status.OK, reason, len(ids), tuple(ids), info.sha256)


def _mark_ocr(catalog: Catalog, sha: str, metadata: dict[str, str], sections: list[Section],
              ids: list[str]) -> None:
    """Mark the document, and each section on an OCR'd page, as OCR'd text."""
    pages = {int(p) for p in metadata.get("ocr_pages", "").split(",") if p.strip().isdigit()}
    catalog.db.execute("UPDATE documents SET ocr = ? WHERE sha256 = ?", (int(bool(pages)), sha))
    for section, sid in zip(sections, ids, strict=True):
        start = section.page_start or 0
        span = set(range(start, (section.page_end or start) + 1))
        catalog.db.execute("UPDATE sections SET ocr = ? WHERE id = ?", (int(bool(span & pages)), sid))


def _document_state(doc: ExtractedDocument, sections: list[Section] | tuple[Section, ...], cover: str,
                    path: Path, options: IngestOptions, hint: str | None = None) -> str | None:
    """The form's field, else the cover note, else the headings, else what the message that brought
    it says (sender's domain, subject), else the file name, else --country."""
    named = Counter(n for n in (normalize_state(s.member_state_text) for s in sections) if n)
    if named:
        return named.most_common(1)[0][0]
    for text in (cover, "\n".join(b.text for b in doc.blocks if b.kind == "heading")):
        found = find_states(text)
        if found:
            return found[0]
    if hint:
        return hint
    by_iso = {m.iso.lower(): m.name for m in member_states()}
    stem = path.stem.lower()
    for token in _ISO_IN_NAME.findall(stem):
        if token in by_iso:
            return by_iso[token]
    return normalize_state(stem.replace("_", " ").replace("-", " ")) or (
        normalize_state(options.country) if options.country else None) or options.country


def _reply_date(doc: ExtractedDocument, cover: str, options: IngestOptions,
                hint: dt.date | None = None) -> dt.date | None:
    """The date in the cover note, else the date of the message that brought it, else the file's."""
    found = find_date(cover) or hint
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
