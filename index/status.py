"""index_status(): what state an index directory is in, without changing anything."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index

from index.locking import LOCK_FILE, is_stale, read_lock
from index.model import IndexState, IndexStatus
from index.schema import SCHEMA_VERSION
from index.settings import DEFAULT_SETTINGS, IndexSettings
from index.storage import REINDEX_HINT, VERSION_FILE, current_generation, read_version


def _lock_state(root: Path, settings: IndexSettings) -> tuple[IndexState | None, dict[str, object]]:
    path = root / LOCK_FILE
    if not path.exists():
        return None, {}
    holder = read_lock(path)
    info = holder.as_dict() if holder else {}
    return (IndexState.STALE_LOCK if is_stale(path, settings) else IndexState.LOCKED), info


def index_status(index_dir: str | Path, *, settings: IndexSettings | None = None) -> IndexStatus:
    """Doc count, schema version and state (ok/missing/corrupt/outdated/locked/stale-lock)."""
    settings = settings or DEFAULT_SETTINGS
    root = Path(index_dir)

    def status(state: IndexState, **details: Any) -> IndexStatus:
        return IndexStatus(state, path=str(root), expected_schema_version=SCHEMA_VERSION,
                           **details)

    gen_dir = current_generation(root)
    if gen_dir is None:
        return status(IndexState.MISSING, message=f"No search index; {REINDEX_HINT}")
    version = read_version(gen_dir)
    if version is None:
        return status(IndexState.CORRUPT, generation=gen_dir.name,
                      message=f"{VERSION_FILE} is missing or unreadable; {REINDEX_HINT}")
    found = version.get("schema_version")
    if found != SCHEMA_VERSION:
        return status(IndexState.OUTDATED, schema_version=found, generation=gen_dir.name,
                      message=f"Built with schema version {found}, needs {SCHEMA_VERSION}: "
                              f"a rebuild is needed; {REINDEX_HINT}")
    try:
        ix = whoosh_index.open_dir(str(gen_dir))
        with ix.reader() as reader:
            count = reader.doc_count()
            for _ in reader.lexicon("kind"):
                pass
    except Exception as exc:  # Whoosh raises many types for damaged files
        return status(IndexState.CORRUPT, schema_version=found, generation=gen_dir.name,
                      message=f"Cannot open ({type(exc).__name__}: {exc}); {REINDEX_HINT}")
    lock_state, holder = _lock_state(root, settings)
    return status(lock_state or IndexState.OK, doc_count=count, schema_version=found,
                  generation=gen_dir.name, lock_holder=holder,
                  message="" if lock_state is None else f"write lock: {lock_state.value}")
