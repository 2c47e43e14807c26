"""Exceptions raised by the ingest step. Each carries the status it maps to."""

from __future__ import annotations

from .model import Status


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
