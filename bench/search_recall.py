"""Search recall per thematic area: for each area, a plain-words query in English and in Spanish
(tests/data/theme_queries.toml); how many of the area's gold sections are in the top 10.

    .venv/bin/python bench/search_recall.py --data-dir DIR [--split heldout] [--depth auto]

DIR must hold the corpus ingested (`mispa --data-dir DIR ingest corpus/replies`). The search runs
over an index of the split's replies only (all their sections), so that the other split's sections
do not compete. tests/test_search_recall.py runs the same measurement on the held-out part. Since
held-out batch 20 most areas have more held-out gold sections (up to 24) than a top 10 can hold
80% of, so the summary also gives the share of what the tops can hold: found over sum(min(n, 10)).

An area with more gold sections than the top holds can reach 80% of them in no ranking, so each
summary also counts the areas whose top holds at least 80% of min(n, depth) of its n gold sections
(for n above the depth: at least 8 of 10 hits are gold). `--gold` scores against another labelling
(corpus/gold-consensus.jsonl: the gold settled by three readers to corpus/LABELLING.md).

`--depth auto` looks at the top max(10, n + 2) for an area of n gold sections instead of the top 10:
the tune split has areas with up to 19 gold sections, more than a top 10 can hold 80% of, so this
is the measure to compare two versions of the ranking on it.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if __name__ == "__main__":
    sys.path[0] = str(ROOT)

QUERIES = ROOT / "tests" / "data" / "theme_queries.toml"


@dataclass(frozen=True)
class AreaRecall:
    lang: str
    code: str
    query: str
    found: int
    wanted: int
    depth: int = 10

    @property
    def met(self) -> bool:
        return self.found >= 0.8 * self.wanted

    @property
    def met_capped(self) -> bool:
        """At least 80% of what the top can hold: of min(n, depth) for n gold sections."""
        return self.found >= 0.8 * min(self.wanted, self.depth)


def measure(catalog: Any, index_dir: Path, split: str, depth: int | None = 10,
            gold: Path = ROOT / "corpus" / "gold.jsonl") -> list[AreaRecall]:
    """Per language and area: gold sections of `split` found in the top `depth` of the area's query
    (None: the top max(10, n + 2) for n gold sections), over an index (built in `index_dir`) of the
    replies of `split` only."""
    import index
    from classify.evaluate import load_gold, match_gold, replies_of
    from search_cli.wiring import records

    queries = tomllib.loads(QUERIES.read_text(encoding="utf-8"))
    sections = list(catalog.iter_sections())
    pairs, _ = match_gold(load_gold(gold, split), sections)
    index.build_index(records(catalog, replies_of(pairs, sections)), index_dir)
    out = []
    for lang in ("en", "es"):
        for code, query in queries[lang].items():
            want = {s["id"] for g, s in pairs if code in g["themes"]}
            if want:
                limit = depth or max(10, len(want) + 2)
                top = {h.id for h in index.search(index_dir, query, limit=limit).hits}
                out.append(AreaRecall(lang, code, query, len(want & top), len(want), limit))
    return out


def summary(results: list[AreaRecall], lang: str) -> str:
    mine = [r for r in results if r.lang == lang]
    found, wanted = sum(r.found for r in mine), sum(r.wanted for r in mine)
    depths = {r.depth for r in mine}
    top = f"top {depths.pop()}" if len(depths) == 1 else "top max(10, n + 2)"
    return (f"{lang}: {sum(r.met for r in mine)}/{len(mine)} areas with >= 80% of their gold sections"
            f" in the {top} ({sum(r.met_capped for r in mine)}/{len(mine)} with >= 80% of min(n, depth));"
            f" overall {found}/{wanted} = {found / max(1, wanted):.2f},"
            f" {found}/{_held(mine)} = {capped_share(mine):.2f} of what the tops can hold")


def _held(results: list[AreaRecall]) -> int:
    """How many gold sections the tops could hold: the sum of min(n, depth)."""
    return sum(min(r.wanted, r.depth) for r in results)


def capped_share(results: list[AreaRecall]) -> float:
    """Gold sections found over what the tops could hold."""
    return sum(r.found for r in results) / max(1, _held(results))


def main() -> None:
    import tempfile

    from ingest.catalog import Catalog

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, required=True)
    ap.add_argument("--split", choices=["tune", "heldout", "all"], default="heldout")
    ap.add_argument("--depth", default=10, type=lambda v: None if v == "auto" else int(v),
                    help="hits looked at: a number (default 10), or auto = max(10, n + 2)")
    ap.add_argument("--gold", type=Path, default=ROOT / "corpus" / "gold.jsonl",
                    help="the labels to score against (default corpus/gold.jsonl)")
    args = ap.parse_args()
    with Catalog(args.data_dir / "catalog.sqlite") as catalog, tempfile.TemporaryDirectory() as tmp:
        results = measure(catalog, Path(tmp) / "index", args.split, args.depth, args.gold)
    for r in results:
        depth = "" if args.depth else f" in {r.depth}"
        print(f"  {r.lang} {r.code} {r.query!r}: {r.found}/{r.wanted}{depth}")
    for lang in ("en", "es"):
        print(summary(results, lang))


if __name__ == "__main__":
    main()
