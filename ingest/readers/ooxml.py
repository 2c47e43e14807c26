"""Checks on an Office Open XML package before python-docx parses it (untrusted input, issue #9).

In order: an OLE file holding an ``EncryptedPackage`` stream is a password-protected document
(``needs_password``); a zip that does not open is damaged; the package must have its main part and
stay within the limits on part count, on any one XML part's size and on the whole inflated size
(declared sizes are enough: ``zipfile`` never inflates a member past its declared size, it fails
its CRC instead); and no part may carry a DOCTYPE, in any encoding Word writes (UTF-8 or UTF-16)
and however much comment precedes it: entity expansion ("billion laughs") and external entities
are refused before any XML parser sees them. python-docx's own parser is built with
``resolve_entities=False`` besides, so a DOCTYPE that slipped through would still expand nothing.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import CorruptDocument, EncryptedDocument, TooComplex, TooLarge

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PROLOG_PEEK = 64 * 1024
_PROLOG_ITEM = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->", re.S)
_DECLARED = re.compile(r"""<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_ASCII_COMPATIBLE = re.compile(r"(utf-?8|us-ascii|ascii|iso-?8859-\d+|windows-125\d|cp125\d|latin-?1)$", re.I)


@dataclass(frozen=True, slots=True)
class PackageLimits:
    """How big an Office package may be before it is refused."""

    max_parts: int = 10_000
    max_xml_bytes: int = 64 * 2**20  # one XML part, inflated (python-docx keeps its tree in memory)
    max_total_bytes: int = 256 * 2**20  # all parts, inflated (python-docx reads every part)

    def __post_init__(self) -> None:
        if min(self.max_parts, self.max_xml_bytes, self.max_total_bytes) < 1:
            raise ValueError("package limits must be positive")


DEFAULT_LIMITS = PackageLimits()


def check_package(path: Path, main_part: str = "word/document.xml",
                  limits: PackageLimits = DEFAULT_LIMITS) -> None:
    """Raise EncryptedDocument, CorruptDocument, TooComplex or TooLarge; return when safe to parse."""
    with open(path, "rb") as f:
        if f.read(8) == _OLE:
            raise EncryptedDocument("password protected Word document (encrypted package)")
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            _check_sizes(infos, main_part, limits)
            for info in infos:
                if not info.is_dir():
                    _check_part(z, info)
    except zipfile.BadZipFile as exc:
        raise CorruptDocument(f"damaged Word package ({exc})") from exc


def _check_sizes(infos: list[zipfile.ZipInfo], main_part: str, limits: PackageLimits) -> None:
    if len(infos) > limits.max_parts:
        raise TooComplex(f"{len(infos):,} parts in the package, over the limit of {limits.max_parts:,}")
    if not any(i.filename == main_part for i in infos):
        raise CorruptDocument(f"Word package without {main_part}")
    for info in infos:
        if info.filename.endswith((".xml", ".rels")) and info.file_size > limits.max_xml_bytes:
            raise TooComplex(f"part {info.filename} inflates to {info.file_size // 2**20} MiB "
                             f"(limit {limits.max_xml_bytes // 2**20} MiB): a zip bomb?")
    total = sum(i.file_size for i in infos)
    if total > limits.max_total_bytes:
        raise TooLarge(f"the package inflates to {total // 2**20} MiB, over the limit of "
                       f"{limits.max_total_bytes // 2**20} MiB")


def _check_part(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    with z.open(info) as f:
        head = f.read(PROLOG_PEEK)
    text = _decode_head(head)
    if text is None:
        return  # not XML (an image, a binary part)
    declared = _DECLARED.match(text)
    if declared and not _ASCII_COMPATIBLE.match(declared.group(1)) and not head.startswith(_UTF16_MARKS):
        raise CorruptDocument(f"refused: part {info.filename} declares encoding {declared.group(1)}")
    at = 0
    while (item := _PROLOG_ITEM.match(text, at)) is not None and item.end() > at:
        at = item.end()
    rest = text[at:]
    if rest[:9].upper() == "<!DOCTYPE":
        raise CorruptDocument(f"refused: part {info.filename} carries a DOCTYPE")
    if (not rest or rest.startswith(("<!--", "<?"))) and len(head) == PROLOG_PEEK:
        raise CorruptDocument(f"refused: part {info.filename} has a prolog longer than "
                              f"{PROLOG_PEEK // 1024} KiB")


_UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")


def _decode_head(head: bytes) -> str | None:
    """The start of a part as text when it looks like XML (UTF-16 by BOM or NULs, else 8-bit), else None."""
    if head.startswith((b"\xff\xfe", b"<\x00")):
        text = head[: len(head) // 2 * 2].decode("utf-16-le", "replace")
    elif head.startswith((b"\xfe\xff", b"\x00<")):
        text = head[: len(head) // 2 * 2].decode("utf-16-be", "replace")
    else:
        text = head.decode("latin-1")
    text = text.lstrip("\ufeff\xef\xbb\xbf")
    return text if text.lstrip()[:1] == "<" else None
