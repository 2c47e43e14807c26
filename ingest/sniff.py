"""Detect a file's format from its contents, the extension being the last resort.

Order: magic bytes (``%PDF-``, OLE ``D0 CF 11 E0``, ``{\\rtf``, zip ``PK``), then for OLE files an
``EncryptedPackage`` stream (a password-protected DOCX, which Word wraps in OLE), for zips the
members that identify an OOXML/ODF package (``word/document.xml``, ``mimetype``), then
text sniffing for e-mail, mbox and HTML, then the extension.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from .model import Format

_EXTENSIONS = {
    ".pdf": Format.PDF, ".docx": Format.DOCX, ".doc": Format.DOC, ".rtf": Format.RTF,
    ".odt": Format.ODT, ".eml": Format.EML, ".msg": Format.MSG, ".mbox": Format.MBOX,
    ".zip": Format.ZIP, ".html": Format.HTML, ".htm": Format.HTML, ".txt": Format.TEXT,
}
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sniff_format(path: Path) -> Format:
    """Return the format of ``path`` judged by its first bytes (extension only as a fallback)."""
    with open(path, "rb") as f:
        head = f.read(4096)
    if not head:
        return Format.UNKNOWN
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if b"%PDF-" in head[:1024]:
        return Format.PDF
    if head.startswith(_OLE):
        if _has_encrypted_package(path):
            return Format.DOCX  # a password-protected Office Open XML file: the DOCX reader says so
        return Format.MSG if path.suffix.lower() == ".msg" else Format.DOC
    if stripped.startswith(b"{\\rtf"):
        return Format.RTF
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _sniff_zip(path)
    return _sniff_text(stripped, path)


_ENCRYPTED_PACKAGE = "EncryptedPackage\0".encode("utf-16-le")


def _has_encrypted_package(path: Path) -> bool:
    """True when an OLE file's directory holds an ``EncryptedPackage`` stream (encrypted DOCX/XLSX/PPTX).

    Directory entries are 128 bytes, aligned on 128 in the file: the name (UTF-16), its byte length
    (34) at offset 64 and the object type (2, a stream) at offset 66 must all match.
    """
    import mmap

    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        at = data.find(_ENCRYPTED_PACKAGE)
        while at != -1:
            if at % 128 == 0 and data[at + 64:at + 67] == b"\x22\x00\x02":
                return True
            at = data.find(_ENCRYPTED_PACKAGE, at + 1)
    return False


def _sniff_zip(path: Path) -> Format:
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist()[:5000])
            if "word/document.xml" in names:
                return Format.DOCX
            if "mimetype" in names and b"opendocument.text" in z.read("mimetype")[:100]:
                return Format.ODT
            if "[Content_Types].xml" in names and path.suffix.lower() == ".docx":
                return Format.DOCX  # an OOXML package missing its main part: the reader says so
    except (zipfile.BadZipFile, OSError, KeyError):
        return Format.DOCX if path.suffix.lower() == ".docx" else Format.ZIP
    return Format.ZIP


def _sniff_text(head: bytes, path: Path) -> Format:
    lower = head[:2048].lower()
    if lower.startswith(b"from ") and b"\n" in lower and path.suffix.lower() != ".eml":
        return Format.MBOX
    first = lower.split(b"\n", 1)[0]
    if any(first.startswith(h) for h in (b"received:", b"from:", b"return-path:", b"message-id:",
                                         b"mime-version:", b"date:", b"subject:", b"to:", b"delivered-to:")):
        return Format.EML
    if lower.startswith(b"<!doctype html") or lower.startswith(b"<html") or b"<html" in lower[:512]:
        return Format.HTML
    guess = _EXTENSIONS.get(path.suffix.lower(), Format.UNKNOWN)
    # Binary formats were recognised above by their magic bytes; a name alone does not make one.
    return guess if guess in _TEXT_FORMATS else Format.UNKNOWN


_TEXT_FORMATS = frozenset({Format.TEXT, Format.EML, Format.MBOX, Format.HTML})
