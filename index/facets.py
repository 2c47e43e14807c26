"""Facet counts (and ranking data) in arrays aligned to document numbers.

For each facet field, every document gets one small integer: the id of the
combination of values it carries (e.g. pillars (2, 4) -> combination 7). Counting
a result set is then `Counter(map(array.__getitem__, docnums))`, which runs in C,
followed by spreading the few distinct combinations over their values. The table
is built from the facet fields' postings (cheap: few terms), once per index
generation, and written beside the index at commit so a fresh process loads it.
The same table holds each document's date key and field lengths (title, body, its
language's stemmed field) for sorting and BM25 ranking (ranking.py).
"""

from __future__ import annotations

import json
from array import array
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from whoosh.reading import IndexReader

from index.docsets import read_postings
from index.schema import DATE_FIELD, FACET_FIELDS, STEM_FIELDS

FACET_NAMES = {"pillars": "pillar", "themes": "theme", "member_state": "member_state",
               "kind": "kind", "language": "language", "year": "year"}
_FILE_PREFIX = "mispa-facets-"
_NO_DATE = 99_999_999
LENGTH_KINDS = ("title", "body", "stem")
# Facets counted together: one Counter pass per group instead of one per facet, then each joint
# value present is spread over its facets in Python. That pays only while a group has few joint
# values: kind x language x year has ~160 at 10,000 sections, but with member_state added 1,330,
# whose spreading cost more than the pass it saved (count() timed on bench/search.py's 10,000-section
# index and on its table tiled to 100,000: 20-35% slower, session 22). A theme combination mostly
# fixes its pillars, so those two stay together.
GROUPS = (("kind", "language", "year"), ("member_state",), ("pillars", "themes"))


@dataclass(frozen=True, slots=True)
class FacetColumn:
    """One facet field: labels, value combinations, and docnum -> combination id."""

    field: str
    labels: tuple[str, ...]
    combos: tuple[tuple[int, ...], ...]  # combination id -> value ids; 0 is "no value"
    docs: array  # type: ignore[type-arg]

    def labelled(self, counts: Counter[int]) -> dict[str, int]:
        """Value id counts as label -> count, most frequent first."""
        labels = self.labels
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], labels[kv[0]]))
        return {labels[v]: n for v, n in ordered}


@dataclass(frozen=True, slots=True)
class FacetGroup:
    """Several facets counted in one pass: docnum -> joint id -> combination per facet."""

    fields: tuple[str, ...]
    joints: tuple[tuple[int, ...], ...]
    docs: Sequence[int]  # a list: list.__getitem__ returns existing ints, array's allocates

    def count(self, docnums: Iterable[int], columns: dict[str, FacetColumn]) -> dict[str, dict[str, int]]:
        """Label counts for each facet of the group among `docnums`."""
        combos = [columns[f].combos for f in self.fields]
        counts: list[Counter[int]] = [Counter() for _ in self.fields]
        for joint, n in Counter(map(self.docs.__getitem__, docnums)).items():
            for i, combo in enumerate(self.joints[joint]):
                for value in combos[i][combo]:
                    counts[i][value] += n
        return {f: columns[f].labelled(c) for f, c in zip(self.fields, counts, strict=True)}


def _group(columns: dict[str, FacetColumn], fields: tuple[str, ...], size: int) -> FacetGroup:
    ids: dict[tuple[int, ...], int] = {}
    docs = array("I", bytes(4 * size))
    for doc, key in enumerate(zip(*(columns[f].docs for f in fields), strict=True)):
        docs[doc] = ids.setdefault(key, len(ids))
    return FacetGroup(fields, tuple(sorted(ids, key=ids.__getitem__)), docs.tolist())


@dataclass(frozen=True, slots=True)
class FacetTable:
    """All facet columns plus sort keys for one reader generation."""

    generation: int
    doc_count_all: int
    columns: dict[str, FacetColumn]
    date_keys: array  # type: ignore[type-arg]  # docnum -> yyyymmdd, 0 when undated
    lengths: dict[str, array]  # type: ignore[type-arg]  # "title"|"body"|"stem" -> docnum -> words
    average: dict[str, float]  # mean length per kind over documents that have the field
    groups: tuple[FacetGroup, ...]

    def count(self, docnums: Collection[int]) -> dict[str, dict[str, int]]:
        """Counts for every facet (keys: pillar, theme, member_state, kind, language, year)."""
        counts: dict[str, dict[str, int]] = {}
        for group in self.groups:
            counts.update(group.count(docnums, self.columns))
        return {FACET_NAMES[f]: counts[f] for f in FACET_FIELDS}

    def sort_key(self, order: str) -> array:  # type: ignore[type-arg]
        """docnum -> integer key: "date" = newest first, "country" = A-Z then newest."""
        country = self.columns["member_state"]
        rank = {label: i for i, label in enumerate(sorted(country.labels, key=str.casefold))}
        combo_rank = [rank[country.labels[c[0]]] if c else len(rank) for c in country.combos]
        keys = array("Q", bytes(8 * self.doc_count_all))
        for doc in range(self.doc_count_all):
            date = self.date_keys[doc]
            newest = _NO_DATE - date if date else _NO_DATE
            where = combo_rank[country.docs[doc]]
            keys[doc] = newest * 1000 + where if order == "date" else where * 10**8 + newest
        return keys


def _column(reader: IndexReader, field: str, size: int) -> FacetColumn:
    labels: list[str] = [""]
    per_doc: dict[int, tuple[int, ...]] = {}
    for text in reader.lexicon(field):
        labels.append(text.decode("utf-8"))
        value = len(labels) - 1
        for doc in read_postings(reader, field, text).ids:
            per_doc[doc] = per_doc.get(doc, ()) + (value,)
    combo_ids: dict[tuple[int, ...], int] = {(): 0}
    docs = array("I", bytes(4 * size))
    for doc, values in per_doc.items():
        docs[doc] = combo_ids.setdefault(values, len(combo_ids))
    combos = tuple(sorted(combo_ids, key=combo_ids.__getitem__))
    return FacetColumn(field, tuple(labels), combos, docs)


def _lengths(reader: IndexReader, language: FacetColumn) -> dict[str, array]:  # type: ignore[type-arg]
    size = reader.doc_count_all()
    stem_of = [STEM_FIELDS.get(language.labels[c[0]]) if c else None for c in language.combos]
    lengths = {kind: array("H", bytes(2 * size)) for kind in LENGTH_KINDS}
    for doc in reader.all_doc_ids():
        stem = stem_of[language.docs[doc]]
        for kind, field in (("title", "title"), ("body", "body"), ("stem", stem)):
            if field:
                lengths[kind][doc] = min(65535, reader.doc_field_length(doc, field) or 0)
    return lengths


def _averages(lengths: dict[str, array]) -> dict[str, float]:  # type: ignore[type-arg]
    averages = {}
    for kind, values in lengths.items():
        present = [v for v in values if v]
        averages[kind] = sum(present) / len(present) if present else 1.0
    return averages


def build_table(reader: IndexReader) -> FacetTable:
    """Read the facet fields' postings (and field lengths) into a FacetTable."""
    size = reader.doc_count_all()
    columns = {field: _column(reader, field, size) for field in FACET_FIELDS}
    date_keys = array("I", bytes(4 * size))
    for text in reader.lexicon(DATE_FIELD):
        key = int(text.decode("ascii"))
        for doc in read_postings(reader, DATE_FIELD, text).ids:
            date_keys[doc] = key
    lengths = _lengths(reader, columns["language"])
    groups = tuple(_group(columns, fields, size) for fields in GROUPS)
    return FacetTable(reader.generation(), size, columns, date_keys, lengths, _averages(lengths),
                      groups)


def table_path(gen_dir: Path, generation: int) -> Path:
    """Where the table of one Whoosh generation is saved."""
    return gen_dir / f"{_FILE_PREFIX}{generation}.bin"


def save_table(gen_dir: Path, table: FacetTable) -> Path:
    """Write the table beside the index (JSON header line + raw arrays); drop older ones."""
    header = {"generation": table.generation, "doc_count_all": table.doc_count_all,
              "columns": [[c.field, c.labels, c.combos] for c in table.columns.values()],
              "average": table.average,
              "groups": [[g.fields, g.joints] for g in table.groups]}
    path = table_path(gen_dir, table.generation)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as handle:
        handle.write(json.dumps(header).encode("utf-8") + b"\n")
        for column in table.columns.values():
            handle.write(column.docs.tobytes())
        handle.write(table.date_keys.tobytes())
        for kind in LENGTH_KINDS:
            handle.write(table.lengths[kind].tobytes())
        for group in table.groups:
            handle.write(array("I", group.docs).tobytes())
    tmp.replace(path)
    for old in gen_dir.glob(f"{_FILE_PREFIX}*"):
        if old != path:
            old.unlink(missing_ok=True)
    return path


def load_table(gen_dir: Path, generation: int, doc_count_all: int) -> FacetTable | None:
    """The saved table of this generation, or None when absent or not matching."""
    try:
        with open(table_path(gen_dir, generation), "rb") as handle:
            header = json.loads(handle.readline())
            payload = handle.read()
    except (OSError, ValueError):
        return None
    # The groups are the file's own: a table saved with other GROUPS still loads and counts right.
    n_groups = len(header.get("groups", ()))
    expected = (4 * (len(FACET_FIELDS) + 1 + n_groups) + 2 * len(LENGTH_KINDS)) * doc_count_all
    if header.get("doc_count_all") != doc_count_all or len(payload) != expected:
        return None
    columns: dict[str, FacetColumn] = {}
    chunk = 4 * doc_count_all
    for i, (field, labels, combos) in enumerate(header["columns"]):
        docs = array("I")
        docs.frombytes(payload[i * chunk:(i + 1) * chunk])
        columns[field] = FacetColumn(field, tuple(labels), tuple(map(tuple, combos)), docs)
    offset = len(columns) * chunk
    dates = array("I")
    dates.frombytes(payload[offset:offset + chunk])
    offset += chunk
    lengths = {}
    for kind in LENGTH_KINDS:
        lengths[kind] = array("H")
        lengths[kind].frombytes(payload[offset:offset + 2 * doc_count_all])
        offset += 2 * doc_count_all
    groups = []
    for fields, joints in header.get("groups", ()):
        docs = array("I")
        docs.frombytes(payload[offset:offset + chunk])
        offset += chunk
        groups.append(FacetGroup(tuple(fields), tuple(map(tuple, joints)), docs.tolist()))
    return FacetTable(generation, doc_count_all, columns, dates, lengths, header["average"],
                      tuple(groups))
