"""Tagging speed: N sections of about 300 words, one process, next to spaCy's bare tokenizer.

    .venv/bin/python bench/classify.py [--sections 5000] [--repeat 5]

After one untimed pass of each side, the sides are timed in turns, ``--repeat`` times; the
figures are the medians (min..max beside them), and a ratio is the median of each turn's ratio,
so a burst of other work on the machine moves one turn rather than the result.

The tagger runs compiled when the install built its two modules (see setup.py): the matching in C
(classify/_scan.pyx) and the work after it (classify/hits.py). The tagger without either, plain
Python, is then timed too, in the same turns, for comparison.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)


def texts(n: int) -> list[tuple[str, str, dict[str, str]]]:
    """Gold sections of the corpus (title, language, fields), padded or cut to about 300 words."""
    gold = [json.loads(line) for line in (ROOT / "corpus" / "gold.jsonl").read_text().splitlines()]
    base = []
    for g in gold:
        words = " ".join(g["fields"].values()).split() or g["title"].split()
        while len(words) < 300:
            words = words + words
        base.append((g["title"], g["language"], {"description": " ".join(words[:300])}))
    return [base[i % len(base)] for i in range(n)]


def seconds(run: Callable[[], None]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def spread(values: list[float], digits: int) -> str:
    """The median of ``values`` in a column of 8, then their min .. max."""
    return f"{statistics.median(values):8.{digits}f}  ({min(values):.{digits}f} .. {max(values):.{digits}f})"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sections", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=5, help="timed turns of each side")
    args = ap.parse_args()
    from classify import engine, hits, pipelines
    from classify.engine import SectionInput, classify, matcher_for, tokenized_text
    items = texts(args.sections)
    for lang in ("es", "en", "pt", "fr"):
        matcher_for(lang)
    sections = [SectionInput(title=title, fields=fields, language=lang) for title, lang, fields in items]
    # The tokenizer's side reads what the tagger tokenizes: each section's title and text, joined.
    joined = [(s.language, tokenized_text(s)) for s in sections]

    def bare() -> None:
        for lang, text in joined:
            matcher_for(lang).nlp.make_doc(text)

    def ours() -> None:
        for section in sections:
            classify(section)

    matchers = [matcher_for(lang) for lang in ("es", "en", "pt", "fr")]
    scanners = [m.scanner for m in matchers]
    compiled = engine._hits is not hits or any(scanners)

    def plain() -> None:  # the same, in plain Python: no scanner, the plain module after matching
        engine._hits = hits
        for m in matchers:
            m.scanner = None
        try:
            ours()
        finally:
            engine._hits = best
            for m, scanner in zip(matchers, scanners):
                m.scanner = scanner

    best = engine._hits
    sides = [bare, ours, plain] if compiled else [bare, ours]
    # One untimed pass of each first, so all meet the texts' words warm (vocabulary, caches):
    # the tokenizer timed cold would flatter the ratio.
    for side in sides:
        side()
    times = [[seconds(side) for side in sides] for _ in range(args.repeat)]
    n = len(items)
    print(f"{n} sections of ~300 words, {args.repeat} turns: median (min .. max)")
    print(f"  matching: {engine.scanner().reason}; after matching: {hits.status()}")
    trained = [f"{lang}: {c.reason}" for lang in ("es", "en", "pt", "fr")
               if (c := pipelines.choose(lang)).nlp]
    if trained:  # the tagger runs the whole pipeline; the tokenizer's side is still make_doc alone
        print("  " + "; ".join(trained))
    print(f"  spaCy tokenizer alone : {spread([n / t[0] for t in times], 0)} sections/s")
    print(f"  mispa tagging         : {spread([n / t[1] for t in times], 0)} sections/s  (target >= 400)")
    print(f"  ratio to tokenizer    : {spread([t[0] / t[1] for t in times], 3)}  (target >= 0.5)")
    if compiled:
        print(f"  plain-Python tagging  : {spread([n / t[2] for t in times], 0)} sections/s")
        print(f"  plain ratio           : {spread([t[0] / t[2] for t in times], 3)}")


if __name__ == "__main__":
    main()
