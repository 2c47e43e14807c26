"""Postings of the frequent terms, written beside the index at commit.

Reading a term that occurs in 40,000 sections through Whoosh's block format costs
~10 ms (a zlib + pickle round per 128 postings); the terms that matter most for speed
are exactly those frequent ones. At commit, every term of the searchable fields with
at least `min_df` live documents is copied into `mispa-postings-<generation>.bin` as
raw arrays (docnums, then weights); a search memory-maps the file and loads a term
with two memcpy-speed `frombytes`. Rare terms still come from Whoosh.
"""

from __future__ import annotations

import json
import mmap
from array import array
from pathlib import Path
from typing import Any

from whoosh.reading import IndexReader

from index.docsets import Postings, read_postings
from index.schema import STEM_FIELDS

_FILE_PREFIX = "mispa-postings-"
FIELDS = ("title", *STEM_FIELDS.values())  # what free words search; pairs are rarely frequent


def _min_df(doc_count: int) -> int:
    return max(200, doc_count // 100)


def hot_path(gen_dir: Path, generation: int) -> Path:
    """Where the frequent postings of one Whoosh generation are saved."""
    return gen_dir / f"{_FILE_PREFIX}{generation}.bin"


def save_hot(gen_dir: Path, reader: IndexReader) -> Path:
    """Copy the postings of frequent terms beside the index; drop older copies."""
    floor = _min_df(reader.doc_count())
    terms: dict[str, dict[str, list[int]]] = {}
    chunks: list[bytes] = []
    offset = 0
    for field in FIELDS:
        if field not in reader.schema:
            continue
        for text, info in reader.iter_field(field):
            if info.doc_frequency() < floor:
                continue
            postings = read_postings(reader, field, text)
            data = postings.ids.tobytes() + postings.weights.tobytes()
            terms.setdefault(field, {})[text.decode("utf-8")] = [offset, len(postings.ids)]
            chunks.append(data)
            offset += len(data)
    header = {"generation": reader.generation(), "doc_count_all": reader.doc_count_all(),
              "terms": terms}
    path = hot_path(gen_dir, reader.generation())
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as handle:
        handle.write(json.dumps(header).encode("utf-8") + b"\n")
        handle.writelines(chunks)
    tmp.replace(path)
    for old in gen_dir.glob(f"{_FILE_PREFIX}*"):
        if old != path:
            old.unlink(missing_ok=True)
    return path


class HotPostings:
    """The memory-mapped frequent postings of one generation."""

    def __init__(self, path: Path, generation: int, doc_count_all: int) -> None:
        self.terms: dict[str, dict[str, list[int]]] = {}
        self._map: mmap.mmap | None = None
        try:
            with open(path, "rb") as handle:
                header: dict[str, Any] = json.loads(handle.readline())
                self._base = handle.tell()
                if (header.get("generation"), header.get("doc_count_all")) != (
                        generation, doc_count_all):
                    return
                self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):
            return
        self.terms = header["terms"]

    def get(self, field: str, text: str | bytes) -> Postings | None:
        """The term's postings, or None when the term is not a frequent one."""
        word = text.decode("utf-8") if isinstance(text, bytes) else text
        found = self.terms.get(field, {}).get(word)
        if found is None or self._map is None:
            return None
        start, count = self._base + found[0], found[1]
        ids, weights = array("I"), array("f")
        ids.frombytes(self._map[start:start + 4 * count])
        weights.frombytes(self._map[start + 4 * count:start + 8 * count])
        return Postings(ids, weights)
