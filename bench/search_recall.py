"""Search recall per thematic area: for each area, a plain-words query in English and in Spanish
(tests/data/theme_queries.toml); how many of the area's gold sections are in the top 10.

    .venv/bin/python bench/search_recall.py --data-dir DIR [--split heldout]

DIR must hold the corpus ingested (`mispa --data-dir DIR ingest corpus/replies`).
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)


def main() -> None:
    import index
    from classify.evaluate import load_gold, match_gold
    from ingest.catalog import Catalog

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, required=True)
    ap.add_argument("--split", choices=["tune", "heldout", "all"], default="heldout")
    args = ap.parse_args()
    queries = tomllib.loads((ROOT / "tests" / "data" / "theme_queries.toml").read_text(encoding="utf-8"))
    with Catalog(args.data_dir / "catalog.sqlite") as catalog:
        pairs, _ = match_gold(load_gold(ROOT / "corpus" / "gold.jsonl", args.split), list(catalog.iter_sections()))
    for lang in ("en", "es"):
        met, total, found, wanted = 0, 0, 0, 0
        for code, query in queries[lang].items():
            want = {s["id"] for g, s in pairs if code in g["themes"]}
            if not want:
                continue
            top = {h.id for h in index.search(args.data_dir / "index", query, limit=10).hits}
            got = len(want & top)
            total, met = total + 1, met + (got >= 0.8 * len(want))
            found, wanted = found + got, wanted + len(want)
            print(f"  {lang} {code} {query!r}: {got}/{len(want)}")
        print(f"{lang}: {met}/{total} areas with >= 80% of their gold sections in the top 10;"
              f" overall {found}/{wanted} = {found / max(1, wanted):.2f}")


if __name__ == "__main__":
    main()
