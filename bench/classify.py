"""Tagging speed: N sections of about 300 words, one process, next to spaCy's bare tokenizer.

    .venv/bin/python bench/classify.py [--sections 5000]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sections", type=int, default=5000)
    args = ap.parse_args()
    from classify.engine import SectionInput, classify, matcher_for
    items = texts(args.sections)
    for lang in ("es", "en", "pt", "fr"):
        matcher_for(lang)
    # One untimed pass of each first, so both meet the texts' words warm (vocabulary, caches):
    # the tokenizer timed cold would flatter the ratio.
    bare = ours = 0.0
    for timed in (False, True):
        start = time.perf_counter()
        for title, lang, fields in items:
            matcher_for(lang).nlp.make_doc(fields["description"])
        bare = time.perf_counter() - start if timed else bare
        start = time.perf_counter()
        for title, lang, fields in items:
            classify(SectionInput(title=title, fields=fields, language=lang))
        ours = time.perf_counter() - start if timed else ours
    n = len(items)
    print(f"{n} sections of ~300 words")
    print(f"  spaCy tokenizer alone : {n / bare:8.0f} sections/s")
    print(f"  mispa tagging         : {n / ours:8.0f} sections/s  (target >= 400)")
    print(f"  ratio to tokenizer    : {bare / ours:8.2f}  (target >= 0.5)")


if __name__ == "__main__":
    main()
