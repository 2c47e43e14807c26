"""What search knows of the taxonomy and the glossary, built once and kept on disk.

Translating a query (``translate.Dictionary``) and finding the areas it names
(``topics.TopicFinder``) need the taxonomy's ~2,700 phrases read, validated, folded and stemmed:
about 0.3 s, which every fresh ``mispa search`` process paid before this cache. The two are
pickled in ``<index>/vocabulary/<digest>.pickle``. The digest covers all they are derived from
(the taxonomy's files, the glossary, the code that derives them, Whoosh and Python), so an edit of
any of them makes a new file and the old one is removed. Like the index, the cache is derived
data: deleting it costs one slower search, and a directory that cannot be written only means no
cache. A taxonomy set with ``translate.use_taxonomy`` (tests) is never cached.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
import tempfile
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

CACHE_DIR = "vocabulary"  # inside the index directory, beside CURRENT and the gen-* directories
_CODE = ("translate.py", "topics.py", "schema.py", "vocabulary.py")  # this package's files that derive it


@dataclass(frozen=True, slots=True)
class Vocabulary:
    dictionary: Any  # translate.Dictionary
    finder: Any  # topics.TopicFinder
    namer: Any  # topics.TopicFinder of the areas' names only (topics.area_namer)


_lock = threading.Lock()
_current: list[Vocabulary] = []


def vocabulary(index_dir: str | Path | None = None) -> Vocabulary:
    """The process's vocabulary: built on first use, or read from ``index_dir``'s cache."""
    with _lock:
        if not _current:
            _current.append(_load(index_dir))
        return _current[0]


def forget() -> None:
    """Drop the process's vocabulary (the taxonomy changed); the next use loads it again."""
    with _lock:
        _current.clear()


def ensure_cached(index_dir: str | Path) -> bool:
    """Write ``index_dir``'s cache now when it is missing (the taxonomy or the glossary changed, or
    the index is new), so the first search after an ingest or a reindex does not pay for it (about
    0.25 s). Whether a cache is there now. Never raises: without a cache, search builds it."""
    path = _cache_path(index_dir)
    if path is None:
        return False
    if not path.is_file():
        try:
            _build_and_store(path)
        except Exception as exc:  # a data file that cannot be read: the search reports it
            log.debug("vocabulary cache not written: %s", exc)
    return path.is_file()


def _cache_path(index_dir: str | Path | None) -> Path | None:
    """Where ``index_dir``'s cache of the current taxonomy and glossary is; None when there is no
    cache to read or write (no index, a taxonomy set by ``translate.use_taxonomy``, or a file
    unreadable: build() reports that one)."""
    from index.translate import taxonomy_overridden

    if index_dir is None or taxonomy_overridden():
        return None
    try:
        return Path(index_dir) / CACHE_DIR / f"{digest()}.pickle"
    except OSError as exc:
        log.debug("vocabulary cache not used: %s", exc)
        return None


def _load(index_dir: str | Path | None) -> Vocabulary:
    path = _cache_path(index_dir)
    if path is not None:
        try:
            with open(path, "rb") as f:
                found = pickle.load(f)
            if isinstance(found, Vocabulary):
                return found
        except FileNotFoundError:
            pass
        except Exception as exc:  # a damaged or foreign file: build again and replace it
            log.warning("vocabulary cache %s unreadable (%s); building it again", path, exc)
    return _build_and_store(path)


def _build_and_store(path: Path | None) -> Vocabulary:
    """build(), written to ``path`` when there is one. A taxonomy that failed to load is not
    cached: each search says so until it is fixed."""
    made, whole = build()
    if whole and path is not None:
        _store(made, path)
    return made


def build() -> tuple[Vocabulary, bool]:
    """The dictionary and the topic finder, from the taxonomy search uses and the glossary; and
    whether the taxonomy was there (False: the glossary alone, see translate.search_taxonomy)."""
    from index.topics import TopicFinder, area_namer, phrases_of
    from index.translate import Dictionary, load_glossary, search_taxonomy, taxonomy_concepts

    taxonomy = search_taxonomy()
    concepts = taxonomy_concepts(taxonomy) if taxonomy is not None else []
    finder = TopicFinder(phrases_of(taxonomy) if taxonomy is not None else [])
    namer = area_namer(taxonomy) if taxonomy is not None else TopicFinder([])
    return Vocabulary(Dictionary([*concepts, *load_glossary()]), finder, namer), taxonomy is not None


def digest() -> str:
    """SHA-256 of what the vocabulary derives from: every file of the taxonomy directory, the
    glossary, this package's code that derives it, and the Whoosh and Python versions."""
    import whoosh
    from classify.taxonomy import TAXONOMY_DIR

    sha = hashlib.sha256(f"{whoosh.versionstring()} {sys.version}".encode())
    files = sorted(p for p in Path(TAXONOMY_DIR).iterdir() if p.is_file())
    files += [Path(str(resources.files("index").joinpath("data/glossary.tsv")))]
    files += [Path(__file__).with_name(name) for name in _CODE]
    for path in files:
        sha.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return sha.hexdigest()


def _store(made: Vocabulary, path: Path) -> None:
    """Write ``made`` to ``path`` atomically and remove the directory's other (stale) files."""
    try:
        path.parent.mkdir(exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pickle")
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump(made, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        for old in path.parent.glob("*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as exc:  # a read-only data directory: search goes on without the cache
        log.debug("vocabulary cache not written: %s", exc)
