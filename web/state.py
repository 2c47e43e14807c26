"""What the app shares between requests, and the per-request catalog connection.

SQLite connections are not shared between threads: each request opens the catalog (cheap: WAL,
already migrated at start-up) and closes it when the request ends. Whoosh searchers are shared
by the index package, so every index call of the app runs under one lock (searches take
milliseconds; the office's handful of users never notice).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from flask import current_app, g

from ingest.catalog import Catalog
from ingest.settings import Settings

from .config import WebConfig

if TYPE_CHECKING:
    from .uploads import UploadQueue

T = TypeVar("T")


@dataclass
class WebState:
    settings: Settings
    config: WebConfig
    index_lock: threading.Lock = field(default_factory=threading.Lock)
    uploads: UploadQueue | None = None
    failed_logins: dict[str, list[float]] = field(default_factory=dict)


def state() -> WebState:
    found: WebState = current_app.extensions["mispa"]
    return found


def catalog() -> Catalog:
    """The request's catalog connection (opened on first use, closed at teardown)."""
    if "catalog" not in g:
        g.catalog = Catalog(state().settings.catalog_path)
    opened: Catalog = g.catalog
    return opened


def close_catalog(_exc: BaseException | None = None) -> None:
    opened = g.pop("catalog", None)
    if opened is not None:
        opened.close()


def with_index(call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run one index-package call under the app's index lock."""
    with state().index_lock:
        return call(*args, **kwargs)


def refresh_sections(ids: list[str]) -> str | None:
    """Bring the search index in step with the catalog for ``ids``; the error text when it failed
    (the catalog holds the change either way, and ``mispa reindex`` rebuilds the index)."""
    from search_cli.wiring import refresh_index

    try:
        with_index(refresh_index, catalog(), state().settings.index_dir, ids)
    except Exception as exc:  # the decision is safe in the catalog; only the index lags
        return str(exc)
    return None
