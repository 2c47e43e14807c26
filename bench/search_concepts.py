"""Search precision on one thing (not a whole thematic area), across languages.

    .venv/bin/python bench/search_concepts.py --data-dir DIR [--set tune|heldout]

DIR must hold the corpus ingested (`mispa --data-dir DIR ingest corpus/replies`); the search runs
over its index. For each query of tests/data/concept_queries.toml ("cybercrime", "secuestro", ...),
the share of its top k that the reference query (the thing named in the four languages, searched
without translation) also finds, k = min(10, the number of sections the reference finds); then the
mean over the set. tests/test_search_recall.py checks both sets.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __name__ == "__main__":
    sys.path[0] = str(ROOT)

QUERIES = ROOT / "tests" / "data" / "concept_queries.toml"


@dataclass(frozen=True)
class ConceptPrecision:
    query: str
    found: int  # of the top `depth`, how many the reference finds
    depth: int  # min(10, reference)
    reference: int  # sections the reference query finds

    @property
    def precision(self) -> float:
        return self.found / self.depth if self.depth else 0.0


def measure(index_dir: Path, which: str = "tune", path: Path = QUERIES) -> list[ConceptPrecision]:
    import index

    out = []
    for item in tomllib.loads(path.read_text(encoding="utf-8"))[which]:
        reference = {h.id for h in index.search(index_dir, item["ref"], limit=1000, translate=False).hits}
        depth = min(10, len(reference))
        top = [h.id for h in index.search(index_dir, item["q"], limit=10).hits][:depth]
        out.append(ConceptPrecision(item["q"], sum(1 for h in top if h in reference), depth, len(reference)))
    return out


def mean(results: list[ConceptPrecision]) -> float:
    return sum(r.precision for r in results) / max(1, len(results))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, required=True)
    ap.add_argument("--set", dest="which", choices=["tune", "heldout"], default="heldout")
    args = ap.parse_args()
    results = measure(args.data_dir / "index", args.which)
    for r in results:
        print(f"  {r.query!r}: {r.found}/{r.depth} (the reference finds {r.reference})")
    print(f"{args.which}: mean precision {mean(results):.3f} over {len(results)} queries")


if __name__ == "__main__":
    main()
