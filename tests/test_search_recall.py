"""Cross-language topical recall on the held-out part of the corpus (issue: search acceptance).

For each thematic area, a plain-words English query and a Spanish one (tests/data/theme_queries.toml,
written from the area names) should return in the top 10 at least 80% of the area's gold sections,
whatever their language. bench/search_recall.py prints the per-area figures.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _bench(name: str = "search_recall"):
    """The module bench/<name>.py."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_topic_queries_find_their_areas_sections_in_any_language(corpus_catalog, tmp_path):
    bench = _bench()
    results = bench.measure(corpus_catalog, tmp_path / "index", "heldout")
    for lang in ("en", "es"):
        print("\n" + bench.summary(results, lang))
        mine = [r for r in results if r.lang == lang]
        # Measured 2026-12-02 (session 22) over the held-out part grown by batch 20 (36 replies, 162
        # sections, 350 gold themes; 16 of the 22 areas have more gold sections than a top 10 can
        # hold 80% of): en 16/22 areas with 80% of min(n, 10), 179/217 = 0.82 of what the tops can
        # hold (3/22 areas with 80% of all n); es 16/22, 178/217 = 0.82 (4/22). Before batch 20 (24
        # replies, 102 sections): en 13/22 and es 14/22 with 80% of min(n, 10), 0.67 and 0.68 of all.
        # The target (every area >= 80%) is not reached; this guards what is.
        assert bench.capped_share(mine) >= 0.78, bench.summary(results, lang)
        assert sum(r.met_capped for r in mine) >= 15, bench.summary(results, lang)


def test_concept_queries_find_that_thing_in_any_language_not_its_whole_area(corpus_catalog, tmp_path):
    """A query on one thing ("cybercrime", "secuestro") finds the sections naming it in the four
    languages (tests/data/concept_queries.toml), not everything else of its thematic area."""
    import index
    from search_cli.wiring import records

    bench = _bench("search_concepts")
    index.build_index(records(corpus_catalog), tmp_path / "index")
    # Measured 2026-11-30 (session 12): tune 0.788 (session 11: 0.770; 0.483 before its change),
    # held-out 0.650 (0.642; 0.508).
    for which, floor in (("tune", 0.75), ("heldout", 0.63)):
        results = bench.measure(tmp_path / "index", which)
        lines = "\n".join(f"{r.query}: {r.found}/{r.depth}" for r in results)
        assert bench.mean(results) >= floor, f"{which}: {bench.mean(results):.3f}\n{lines}"


def test_similar_finds_sections_about_the_same_areas_in_other_languages_too(corpus_catalog, tmp_path):
    """`mispa similar` on the held-out part: most of a section's ten similar sections share a gold
    area with it, and a good part are in another language (by words alone: 0.27, and none)."""
    bench = _bench("search_similar")
    results = bench.measure(corpus_catalog, tmp_path / "index", "heldout")
    summary = bench.summary(results)
    # Measured 2026-12-01 (session 15): alike 0.685, in another language 0.602, alike and in
    # another language 0.450 (words and areas, session 14: 0.630, 0.485, 0.365; words alone:
    # 0.268, 0, 0).
    alike = sum(r.alike / r.hits for r in results if r.hits) / len(results)
    abroad = sum(r.alike_other_language / r.hits for r in results if r.hits) / len(results)
    assert alike >= 0.64 and abroad >= 0.40, summary
