"""Containers: files that hold other files (e-mail messages, mailboxes, zip archives).

Expanding a container yields its source information (sender, date, subject, cover note) and its
members, each written into a private temporary directory under a generated name (``00003.docx``).
A member's own name is only ever shown, never used as a path, whatever it says (``../../x``,
``/etc/passwd``, NUL bytes); only a short alphanumeric extension is kept so that sniffing can use
it as a last resort. Limits (member count, total size, compression ratio, nesting depth) are
checked while members are written: a member over a limit is refused with a reason and the
others still come through.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from .model import Format, Status
from .text import clean, squash

CONTAINER_FORMATS = frozenset({Format.EML, Format.MSG, Format.MBOX, Format.ZIP})
_SUFFIX = re.compile(r"\.[a-z0-9]{1,5}")
_CHUNK = 1 << 16


@dataclass(frozen=True, slots=True)
class Limits:
    """How much a container may hold before its members are refused."""

    max_members: int = 1000
    max_total_bytes: int = 512 * 2**20
    max_ratio: float = 100.0
    ratio_floor: int = 2**20  # members inflating to less than this are not ratio-checked
    max_depth: int = 5  # containers inside containers (mailbox > message > zip > zip > ...)

    def __post_init__(self) -> None:
        if min(self.max_members, self.max_total_bytes, self.max_depth) < 1 or self.max_ratio <= 1:
            raise ValueError("container limits must be positive (ratio above 1)")


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """What a container says about where its files come from."""

    kind: str  # "message" | "mailbox" | "archive"
    sender: str = ""
    sent_at: str | None = None  # ISO date-time
    subject: str = ""
    body: str = ""  # the cover note (message body, or a cover letter found in an archive)
    member_state: str | None = None  # inferred from the sender's domain, the subject or the body


@dataclass(frozen=True, slots=True)
class Member:
    """One file inside a container: written to ``path``, or refused (``status`` and ``reason``)."""

    name: str
    path: Path | None = None
    status: Status | None = None
    reason: str = ""
    note: bool = False  # a cover letter (plain text): kept as the source's note, not a document
    format: Format | None = None  # known from the container (a message in a mailbox), else sniffed


@dataclass(slots=True)
class Container:
    """An opened container: its information and a lazy stream of members.

    ``problems`` fills up while ``members`` is iterated (a limit reached); read it afterwards.
    """

    info: SourceInfo
    members: Iterator[Member]
    problems: list[tuple[Status, str]] = field(default_factory=list)


Opener = Callable[[Path, Path, Limits], Container]


def display_name(raw: str | None, fallback: str = "unnamed") -> str:
    """A member name fit for display: last path component, no control characters, 200 chars."""
    text = clean((raw or "").replace("\x00", "")).replace("\\", "/")
    name = squash(text.rsplit("/", 1)[-1]).lstrip(". ")
    return name[:200] or fallback


def safe_suffix(name: str) -> str:
    """The name's extension when it is short and alphanumeric (``.docx``), else ""."""
    suffix = Path(name).suffix.lower()
    return suffix if _SUFFIX.fullmatch(suffix) else ""


class Spool:
    """Writes members into a private directory under generated names, within the limits."""

    def __init__(self, workdir: Path, limits: Limits, container: Container | None = None) -> None:
        self.workdir = workdir
        self.limits = limits
        self.container = container
        self.count = 0
        self.total = 0

    def refuse(self, name: str, status: Status, reason: str) -> Member:
        if self.container is not None:
            self.container.problems.append((status, f"{name}: {reason}"))
        return Member(name, status=status, reason=reason)

    def over_count(self) -> bool:
        return self.count >= self.limits.max_members

    def add(self, name: str, data: bytes, fmt: Format | None = None) -> Member:
        """Write one member's bytes; refused when it would break the count or size limit."""
        if self.over_count():
            return self.refuse(
                name, Status.TOO_COMPLEX, f"over the limit of {self.limits.max_members} members"
            )
        if self.total + len(data) > self.limits.max_total_bytes:
            return self.refuse(name, Status.TOO_LARGE, self._size_reason())
        path = self._target(name)
        path.write_bytes(data)
        self.total += len(data)
        return Member(name, path, format=fmt)

    def add_stream(self, name: str, stream: IO[bytes], declared: int) -> Member:
        """Copy a member from a stream, stopping as soon as it outgrows its declared size or the budget."""
        if self.over_count():
            return self.refuse(
                name, Status.TOO_COMPLEX, f"over the limit of {self.limits.max_members} members"
            )
        if self.total + declared > self.limits.max_total_bytes:
            return self.refuse(name, Status.TOO_LARGE, self._size_reason())
        path = self._target(name)
        written = 0
        with open(path, "xb") as out:
            while chunk := stream.read(_CHUNK):
                written += len(chunk)
                if written > declared or self.total + written > self.limits.max_total_bytes:
                    out.close()
                    path.unlink()
                    return self.refuse(name, Status.TOO_COMPLEX, "inflates past its declared size")
                out.write(chunk)
        self.total += written
        return Member(name, path)

    def _target(self, name: str) -> Path:
        self.count += 1
        return self.workdir / f"{self.count:05d}{safe_suffix(name)}"

    def _size_reason(self) -> str:
        limit = self.limits.max_total_bytes
        shown = f"{limit // 2**20} MiB" if limit >= 2**20 else f"{limit} bytes"
        return f"over the total size limit of {shown}"


def opener_for(fmt: Format) -> Opener:
    """The function that opens a container of this format."""
    from . import archive, mail

    openers: dict[Format, Opener] = {
        Format.EML: mail.open_eml,
        Format.MSG: mail.open_msg,
        Format.MBOX: mail.open_mbox,
        Format.ZIP: archive.open_zip,
    }
    return openers[fmt]
