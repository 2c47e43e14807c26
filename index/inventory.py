"""indexed_ids(): which sections the live index holds, to compare with the catalog (issue #9).

`mispa doctor` and the crash-safety tests check that the index is in step with the catalog: the
same section ids, no more, no fewer. Deleted documents are skipped, so an id replaced by
`update_sections` is counted once.
"""

from __future__ import annotations

from pathlib import Path

from index.storage import open_generation


def indexed_ids(index_dir: str | Path) -> frozenset[str]:
    """The section ids in the live generation; raises IndexUnavailableError when there is none.

    >>> len(indexed_ids("mispa-data/index"))  # doctest: +SKIP
    118
    """
    ix, _ = open_generation(Path(index_dir))
    try:
        with ix.reader() as reader:
            return frozenset(str(fields["id"]) for _, fields in reader.iter_docs())
    finally:
        ix.close()
