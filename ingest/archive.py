"""Zip archives: members are ingested like files given on the command line, within limits.

Each member is streamed into the container's private directory under a generated name; the
archive's own names are never used as paths. A member is refused (with a reason, the others
still land) when it is encrypted, compressed beyond the ratio limit (a zip bomb), inflates past
its declared size, or would exceed the member count or total size limits. Small plain-text
members (a cover letter) become the archive's note instead of documents; a Member State it names
stands for the members that do not say theirs.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from .containers import Container, Limits, Member, SourceInfo, Spool, display_name
from .errors import CorruptDocument
from .model import Status
from .states import find_states

NOTE_SUFFIXES = (".txt",)
MAX_NOTE_BYTES = 64 * 1024


def open_zip(path: Path, workdir: Path, limits: Limits) -> Container:
    """Open a zip archive; its members are written lazily, as the container is iterated."""
    try:
        archive = zipfile.ZipFile(path)
        infos = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise CorruptDocument(f"damaged zip archive ({type(exc).__name__})") from exc
    notes = [i for i in infos if _is_note(i)]
    body = "\n\n".join(filter(None, (_read_note(archive, i) for i in notes)))
    state = next(iter(find_states(body)), None) if body else None
    container = Container(SourceInfo(kind="archive", body=body, member_state=state), iter(()))
    container.members = _iter_members(archive, infos, notes, Spool(workdir, limits, container))
    return container


def _iter_members(
    archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], notes: list[zipfile.ZipInfo], spool: Spool
) -> Iterator[Member]:
    with archive:
        for n, info in enumerate(infos):
            name = display_name(info.filename, f"member-{n + 1}")
            if info in notes:
                yield Member(name, note=True, reason="cover letter, kept as the archive's note")
            elif spool.over_count():
                rest = len(infos) - n
                yield spool.refuse(
                    f"{rest} more members",
                    Status.TOO_COMPLEX,
                    f"{len(infos)} members, over the limit of {spool.limits.max_members}",
                )
                return
            else:
                yield _member(archive, info, name, spool)


def _member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, spool: Spool) -> Member:
    limits = spool.limits
    if info.flag_bits & 0x1:
        return spool.refuse(name, Status.NEEDS_PASSWORD, "encrypted zip member")
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > limits.ratio_floor and ratio > limits.max_ratio:
        return spool.refuse(
            name,
            Status.TOO_COMPLEX,
            f"compression ratio {ratio:.0f}:1, over the limit of {limits.max_ratio:.0f}:1",
        )
    try:
        with archive.open(info) as stream:
            return spool.add_stream(name, stream, info.file_size)
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, OSError, EOFError) as exc:
        return spool.refuse(name, Status.CORRUPT, f"unreadable zip member ({type(exc).__name__})")


def _is_note(info: zipfile.ZipInfo) -> bool:
    return (
        info.filename.lower().endswith(NOTE_SUFFIXES)
        and info.file_size <= MAX_NOTE_BYTES
        and not info.flag_bits & 0x1
    )


def _read_note(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    try:
        with archive.open(info) as stream:
            data = stream.read(MAX_NOTE_BYTES + 1)[:MAX_NOTE_BYTES]
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, OSError, EOFError):
        return ""
    return decode_text(data)


def decode_text(data: bytes) -> str:
    """Text of a small plain-text file: UTF-8 (with or without BOM), else Windows-1252."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding).replace("\r\n", "\n").strip()
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1").strip()
