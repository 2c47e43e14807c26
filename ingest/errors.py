"""Exceptions raised by the ingest step. Each carries the status it maps to."""

from __future__ import annotations

import errno

from .model import Status

_STARVED = ("failed to map segment", "cannot allocate memory", "can't allocate", "can't start new thread")


def out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` is running out of memory under another name: a MemoryError behind it
    (pdfplumber wraps everything in one exception type; a C function's "returned a result with an
    exception set"), or a library that cannot be loaded ("failed to map segment from shared
    object"), a lock or thread that cannot be made, as a worker's memory cap shows them."""
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, MemoryError) or any(isinstance(arg, MemoryError) for arg in seen.args):
            return True
        if isinstance(seen, (ImportError, OSError, RuntimeError)) and (
                getattr(seen, "errno", None) == errno.ENOMEM or any(s in str(seen).lower() for s in _STARVED)):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class IngestError(Exception):
    """The file could not be ingested"""

    status: Status = Status.FAILED


class UnsupportedFormat(IngestError):
    """The file's type is not one mispa reads"""

    status = Status.UNSUPPORTED


class CorruptDocument(IngestError):
    """The file is damaged and cannot be read"""

    status = Status.CORRUPT


class EncryptedDocument(IngestError):
    """The file is password protected"""

    status = Status.NEEDS_PASSWORD


class NeedsOCR(IngestError):
    """The PDF has no text layer and no OCR engine is available"""

    status = Status.NEEDS_OCR


class NeedsConverter(IngestError):
    """The format needs LibreOffice to be converted first"""

    status = Status.NEEDS_CONVERTER


class TooLarge(IngestError):
    """The file is larger than the configured limit"""

    status = Status.TOO_LARGE


class TooComplex(IngestError):
    """The file's structure exceeds the configured limits"""

    status = Status.TOO_COMPLEX


class EmptyDocument(IngestError):
    """The file holds no text"""

    status = Status.EMPTY


class CatalogError(Exception):
    """The catalog could not be opened or written"""
