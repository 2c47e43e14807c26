"""Exceptions raised by the index package.

Every error derives from `SearchIndexError`, so a caller (the CLI) catches one class.
Each subclass's docstring is its default one-line message.
"""

from __future__ import annotations


class SearchIndexError(Exception):
    """The search index failed"""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or (type(self).__doc__ or "").strip())


class IndexUnavailableError(SearchIndexError):
    """The search index cannot be opened: run `mispa reindex`"""


class SchemaMismatchError(IndexUnavailableError):
    """The search index was built by another version of mispa: run `mispa reindex`"""


class IndexLockedError(SearchIndexError):
    """Another process is writing the search index; try again later"""


class QuerySyntaxError(SearchIndexError):
    """The query could not be understood"""


class QueryTooBroadError(QuerySyntaxError):
    """The query would match too many words; make it more specific"""


class InvalidFilterError(SearchIndexError):
    """Unknown search filter"""


class InvalidRecordError(SearchIndexError):
    """A section record is missing a required field"""


class SectionNotFoundError(SearchIndexError):
    """No section with this id is in the search index"""
