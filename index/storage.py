"""Where the index lives on disk, and how a new build replaces the old one atomically.

Layout of an index directory:

    index_dir/CURRENT            name of the live generation, e.g. "gen-000007"
    index_dir/gen-000007/        Whoosh files + mispa-schema.json (SCHEMA_VERSION)
    index_dir/gen-000006/        the previous build, kept for searchers still open
    index_dir/write.lock         present while a writer works (see locking.py)

`build_index` fills a new sibling `gen-*` directory and then replaces CURRENT with
one `os.replace`, so a searcher sees either the old or the new index, never half of
one. An index that fails to open is reported (IndexUnavailableError), never deleted.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.index import FileIndex

from index.errors import IndexUnavailableError, SchemaMismatchError
from index.schema import SCHEMA_VERSION

CURRENT_FILE = "CURRENT"
VERSION_FILE = "mispa-schema.json"
GEN_PREFIX = "gen-"
REINDEX_HINT = "run `mispa reindex` to rebuild it from the catalog"


def generation_dirs(index_dir: Path) -> list[Path]:
    """All `gen-*` directories, oldest first."""
    if not index_dir.is_dir():
        return []
    gens = [p for p in index_dir.iterdir() if p.is_dir() and p.name.startswith(GEN_PREFIX)]
    return sorted(gens, key=lambda p: p.name)


def current_generation(index_dir: Path) -> Path | None:
    """The live generation directory, or None when nothing was ever published."""
    try:
        name = (index_dir / CURRENT_FILE).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return index_dir if whoosh_index.exists_in(str(index_dir)) else None
    except NotADirectoryError:
        return None
    return index_dir / name


def new_generation(index_dir: Path) -> Path:
    """Create and return the next empty `gen-NNNNNN` directory."""
    index_dir.mkdir(parents=True, exist_ok=True)
    numbers = [int(p.name[len(GEN_PREFIX):]) for p in generation_dirs(index_dir)
               if p.name[len(GEN_PREFIX):].isdigit()]
    path = index_dir / f"{GEN_PREFIX}{max(numbers, default=0) + 1:06d}"
    path.mkdir()
    return path


def write_version(gen_dir: Path, doc_count: int) -> None:
    """Record SCHEMA_VERSION beside the Whoosh files."""
    data = {"schema_version": SCHEMA_VERSION, "doc_count": doc_count}
    (gen_dir / VERSION_FILE).write_text(json.dumps(data), encoding="utf-8")


def read_version(gen_dir: Path) -> dict[str, Any] | None:
    """The version record of a generation, or None when missing or unreadable."""
    try:
        data = json.loads((gen_dir / VERSION_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(index_dir: Path, gen_dir: Path) -> None:
    """Make `gen_dir` the live generation with one atomic rename of CURRENT."""
    tmp = index_dir / f".{CURRENT_FILE}.{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(gen_dir.name + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, index_dir / CURRENT_FILE)
    _fsync_dir(index_dir)


def prune(index_dir: Path, keep: int) -> list[Path]:
    """Remove superseded generations (keeping `keep`) and leftovers of crashed builds.

    Call only while holding the writer lock: then no build is in progress.
    """
    current = current_generation(index_dir)
    if current is None or current == index_dir:
        return []
    older = [p for p in generation_dirs(index_dir) if p.name <= current.name]
    doomed = [p for p in generation_dirs(index_dir) if p.name > current.name]
    doomed += older[: max(0, len(older) - keep)]
    for path in doomed:
        shutil.rmtree(path, ignore_errors=True)
    return doomed


def check_version(gen_dir: Path) -> dict[str, Any]:
    """The version record, or an error telling the user to rebuild."""
    version = read_version(gen_dir)
    if version is None:
        raise IndexUnavailableError(
            f"The search index at {gen_dir} has no readable {VERSION_FILE}; {REINDEX_HINT}"
        )
    found = version.get("schema_version")
    if found != SCHEMA_VERSION:
        raise SchemaMismatchError(
            f"The search index at {gen_dir} has schema version {found}, this mispa "
            f"needs {SCHEMA_VERSION}: a rebuild is needed; {REINDEX_HINT}"
        )
    return version


def open_generation(index_dir: Path) -> tuple[FileIndex, Path]:
    """Open the live generation; raise IndexUnavailableError (never delete) on failure."""
    gen_dir = current_generation(index_dir)
    if gen_dir is None:
        raise IndexUnavailableError(f"There is no search index at {index_dir}; {REINDEX_HINT}")
    check_version(gen_dir)
    try:
        ix = whoosh_index.open_dir(str(gen_dir))
    except Exception as exc:  # Whoosh raises many types for damaged files
        raise IndexUnavailableError(
            f"The search index at {gen_dir} cannot be opened "
            f"({type(exc).__name__}: {exc}); {REINDEX_HINT}"
        ) from exc
    return ix, gen_dir
