"""Open searchers, cached per index directory and refreshed when the index changes.

A search reads CURRENT and compares Whoosh's generation, so a rebuild or update made
by another process is picked up on the next call; a searcher that was opened earlier
keeps reading its own (unchanged, not yet pruned) files. The facet table is loaded
from beside the index, or built from postings when missing.
"""

from __future__ import annotations

import threading
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh.searching import Searcher

from index.docsets import DocsetEvaluator
from index.errors import IndexUnavailableError, SearchIndexError
from index.facets import FacetTable, build_table, load_table
from index.hotpostings import HotPostings, hot_path
from index.schema import FACET_FIELDS
from index.storage import REINDEX_HINT, current_generation, open_generation
from index.translate import fold


@dataclass
class OpenIndex:
    """A searcher plus everything derived from it that outlives one query."""

    gen_dir: Path
    searcher: Searcher
    facets: FacetTable
    evaluator: DocsetEvaluator
    labels: dict[str, dict[str, str]]
    sort_keys: dict[str, array] = field(default_factory=dict)  # type: ignore[type-arg]
    # similar(): a concept named in a stem field, by field, concept and words: its stems there, and
    # its translations lowered onto the stem fields of the other languages. Concepts are keyed by
    # id, so the cache holds the dictionary they belong to (alive, its ids not reused): another
    # dictionary (the taxonomy changed) starts another cache.
    lowered_translations: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    translations_dictionary: Any = None
    analyzed: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)  # lowering.Lowering's

    def sort_key(self, order: str) -> array:  # type: ignore[type-arg]
        """docnum -> sort key for "date" or "country", computed once."""
        if order not in self.sort_keys:
            self.sort_keys[order] = self.facets.sort_key(order)
        return self.sort_keys[order]


_lock = threading.Lock()
_open: dict[Path, OpenIndex] = {}


def _derive(gen_dir: Path, searcher: Searcher) -> OpenIndex:
    reader = searcher.reader()
    try:
        table = load_table(gen_dir, reader.generation(), reader.doc_count_all())
        if table is None:
            table = build_table(reader)
    except SearchIndexError:
        raise
    except Exception as exc:  # damaged postings surface here, not at open
        raise IndexUnavailableError(
            f"The search index at {gen_dir} cannot be read ({type(exc).__name__}: {exc}); "
            f"{REINDEX_HINT}") from exc
    labels = {f: {fold(label): label for label in table.columns[f].labels[1:]}
              for f in FACET_FIELDS}
    hot = HotPostings(hot_path(gen_dir, reader.generation()), reader.generation(),
                      reader.doc_count_all())
    return OpenIndex(gen_dir, searcher, table, DocsetEvaluator(searcher, hot), labels)


def _fresh(root: Path, cached: OpenIndex | None) -> OpenIndex:
    gen_dir = current_generation(root)
    if cached is not None and cached.gen_dir == gen_dir:
        try:
            if cached.searcher.up_to_date():
                return cached
        except OSError:
            pass  # the generation vanished under us: open the live one
    # Not Searcher.refresh(): it reuses segment readers and misses new deletions.
    ix, gen_dir = open_generation(root)
    try:
        searcher = ix.searcher()
    except Exception as exc:
        raise IndexUnavailableError(
            f"The search index at {gen_dir} cannot be read ({type(exc).__name__}: {exc}); "
            f"{REINDEX_HINT}") from exc
    return _derive(gen_dir, searcher)


def open_index(index_dir: str | Path) -> OpenIndex:
    """The up-to-date searcher of `index_dir` (cached between calls)."""
    root = Path(index_dir).absolute()
    with _lock:
        opened = _fresh(root, _open.get(root))
        _open[root] = opened
        return opened


def forget(index_dir: str | Path | None = None) -> None:
    """Drop cached searchers (all, or one directory's)."""
    with _lock:
        if index_dir is None:
            _open.clear()
        else:
            _open.pop(Path(index_dir).absolute(), None)
