"""Choose the reader for a file by its sniffed format."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .errors import EmptyDocument, UnsupportedFormat
from .model import ExtractedDocument, Format
from .sniff import sniff_format

Reader = Callable[[Path], ExtractedDocument]


def _pdf(path: Path) -> ExtractedDocument:
    from .readers import pdf
    return pdf.read(path)


def _docx(path: Path) -> ExtractedDocument:
    from .readers import docx
    return docx.read(path)


def _text(path: Path) -> ExtractedDocument:
    from .readers import text
    return text.read(path)


def _converted(fmt: Format) -> Reader:
    def read(path: Path) -> ExtractedDocument:
        from .convert import convert_to_docx
        return convert_to_docx(path, fmt)
    return read


READERS: dict[Format, Reader] = {Format.PDF: _pdf, Format.DOCX: _docx, Format.TEXT: _text,
                                 **{f: _converted(f) for f in (Format.DOC, Format.RTF, Format.ODT)}}
_DESCRIPTIONS = {
    **{f: f"a container ({f.value}): ingest_paths expands it into its files" for f in
       (Format.EML, Format.MSG, Format.MBOX, Format.ZIP)},
    Format.HTML: "an HTML page, not a Word or PDF document",
    Format.UNKNOWN: "unrecognised file type",
}


def read_document(path: Path, fmt: Format | None = None) -> ExtractedDocument:
    """Read ``path`` with the reader for its real format (not its extension)."""
    if path.stat().st_size == 0:
        raise EmptyDocument("empty file (0 bytes)")
    fmt = fmt or sniff_format(path)
    reader = READERS.get(fmt)
    if reader is not None:
        return reader(path)
    described = _DESCRIPTIONS.get(fmt, f"{fmt.value} files are not read yet")
    suffix = path.suffix.lower()
    if fmt == Format.UNKNOWN and suffix:
        described += f" (named {suffix} but its contents are not)"
    raise UnsupportedFormat(described)
