"""How alike `mispa similar` finds sections, and in which languages.

    .venv/bin/python bench/search_similar.py --data-dir DIR [--split tune|heldout]

DIR must hold the corpus ingested (`mispa --data-dir DIR ingest corpus/replies`). Over an index of
the split's replies only, each gold section of the split with thematic areas asks for its 10 most
similar sections; a hit is alike when its gold labels share a thematic area with the section's (a
national plan, unlabelled, never is). Printed: the mean share of alike hits, the share of hits in
another language than the section's, and of alike hits in another language: the staff looking at a
Spanish programme want the English, Portuguese and French practices on the same thing too; and the
mean number of languages among a section's hits.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if __name__ == "__main__":
    sys.path[0] = str(ROOT)


@dataclass(frozen=True)
class Likeness:
    section: str
    language: str
    hits: int
    alike: int  # hits sharing a gold thematic area with the section
    other_language: int  # hits in another language
    alike_other_language: int
    languages: int  # languages among the hits


def measure(catalog: Any, index_dir: Path, split: str, limit: int = 10) -> list[Likeness]:
    import index
    from classify.evaluate import load_gold, match_gold, replies_of
    from search_cli.wiring import records

    sections = list(catalog.iter_sections())
    pairs, _ = match_gold(load_gold(ROOT / "corpus" / "gold.jsonl", split), sections)
    index.build_index(records(catalog, replies_of(pairs, sections)), index_dir)
    themes = {s["id"]: set(g["themes"]) for g, s in pairs}
    out = []
    for g, s in pairs:
        if not g["themes"]:
            continue
        hits = index.similar(index_dir, s["id"], limit)
        alike = [h for h in hits if themes.get(h.id, set()) & set(g["themes"])]
        out.append(Likeness(s["id"], s["language"], len(hits), len(alike),
                            sum(h.language != s["language"] for h in hits),
                            sum(h.language != s["language"] for h in alike), len({h.language for h in hits})))
    return out


def summary(results: list[Likeness]) -> str:
    def share(part: str) -> float:
        return statistics.mean(getattr(r, part) / r.hits if r.hits else 0.0 for r in results)

    return (f"{len(results)} sections: alike {share('alike'):.3f} of their similar sections;"
            f" in another language {share('other_language'):.3f},"
            f" alike and in another language {share('alike_other_language'):.3f};"
            f" mean hits {statistics.mean(r.hits for r in results):.1f}"
            f" in {statistics.mean(r.languages for r in results):.2f} languages")


def main() -> None:
    import tempfile

    from ingest.catalog import Catalog

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, required=True)
    ap.add_argument("--split", choices=["tune", "heldout"], default="tune")
    args = ap.parse_args()
    with Catalog(args.data_dir / "catalog.sqlite") as catalog, tempfile.TemporaryDirectory() as tmp:
        results = measure(catalog, Path(tmp) / "index", args.split)
    print(summary(results))
    for lang in ("es", "en", "pt", "fr"):
        mine = [r for r in results if r.language == lang]
        if mine:
            print(f"  {lang}: {summary(mine)}")


if __name__ == "__main__":
    main()
