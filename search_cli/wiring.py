"""Compose the pipeline's steps: the tagger from classify, the index from the catalog."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterable

from .records import index_record


def make_tagger(warn: Callable[[str], None] = lambda line: None) -> Callable[[Any], tuple[list[Any], str]]:
    """The ingest pipeline's tagger, once the taxonomy and pipelines.toml are read: a mistake in
    them (TaxonomyError) stops the batch before it starts instead of failing every file. A
    configured spaCy pipeline that is not installed is told to ``warn`` (the blank one tags)."""
    from classify import pipelines
    from classify.tagging import tag_section
    from classify.taxonomy import load_taxonomy

    load_taxonomy()
    for line in pipelines.missing():
        warn(line)
    return tag_section


def records(catalog: Any, ids: Iterable[str] | None = None) -> Iterable[dict[str, Any]]:
    """Index records for the given section ids (all sections when None)."""
    if ids is None:
        rows: Iterable[dict[str, Any]] = catalog.iter_sections()
    else:
        rows = (r for r in (catalog.get_section(i) for i in ids) if r is not None)
    for row in rows:
        yield index_record(row, catalog.tags_for(row["id"]))


def refresh_index(catalog: Any, index_dir: Path, ids: list[str]) -> None:
    """Bring the index in step after a batch: update it, or build it whole when there is none yet
    (or it was built by an older version of the schema)."""
    import index
    from index.vocabulary import ensure_cached

    state = index.index_status(index_dir).state
    if state in (index.IndexState.MISSING, index.IndexState.OUTDATED):
        index.build_index(records(catalog), index_dir)
    elif ids:
        index.update_sections(index_dir, records(catalog, ids))
    ensure_cached(index_dir)  # the next search starts without re-reading the taxonomy
