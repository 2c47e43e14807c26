#!/usr/bin/env python3
"""Build corpus/gold-consensus.jsonl: the gold labels settled by three readers of every section.

Every program, lesson and practice of the corpus has three labellings:

- the writer's, in ``gold.jsonl`` (made with the text, before ``LABELLING.md`` existed);
- reviewer A's and reviewer B's, in ``labels/reviewer-a.jsonl`` and ``labels/reviewer-b.jsonl``:
  two people who labelled the sections to ``LABELLING.md`` independently, reading only the guide,
  Appendix IV and the sections (shuffled, without split, labels or tagger output).

A thematic area stands when two of the three name it; a section's pillars are its areas' pillars.
When no area reaches two votes, the areas two readers put first stand, and failing that the three
first areas. Plans keep their gold line as it is. The output has the lines of ``gold.jsonl`` in its
order, so ``mispa eval corpus/gold-consensus.jsonl`` reads it like the gold file.

    python corpus/consensus.py            # write gold-consensus.jsonl
    python corpus/consensus.py --check    # exit 1 if it is not what the labels give
    python corpus/consensus.py --report   # agreement between the readers, per split
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOLD = HERE / "gold.jsonl"
REVIEWERS = {"A": HERE / "labels" / "reviewer-a.jsonl", "B": HERE / "labels" / "reviewer-b.jsonl"}
OUTPUT = HERE / "gold-consensus.jsonl"


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def section_ids(gold: Iterable[Mapping]) -> list[str | None]:
    """The id of each gold line, ``<source>#<n>`` with n counting the source's sections from 1; None
    for a plan."""
    seen: Counter[str] = Counter()
    ids: list[str | None] = []
    for line in gold:
        if line["kind"] == "plan":
            ids.append(None)
            continue
        seen[line["source"]] += 1
        ids.append(f"{line['source']}#{seen[line['source']]}")
    return ids


def reviewer_themes(path: Path) -> dict[str, list[str]]:
    return {row["id"]: list(row["themes"]) for row in read_jsonl(path)}


def settle(labellings: list[list[str]]) -> list[str]:
    """The areas named by at least two of the labellings, in the order of their first mention."""
    votes = Counter(code for themes in labellings for code in set(themes))
    order = [code for themes in labellings for code in themes]
    kept = [code for code in dict.fromkeys(order) if votes[code] >= 2]
    if kept:
        return kept
    firsts = Counter(themes[0] for themes in labellings if themes)
    kept = [code for code, n in firsts.items() if n >= 2]
    return kept or list(dict.fromkeys(themes[0] for themes in labellings if themes))


def pillars_of(themes: Iterable[str]) -> list[int]:
    return sorted({int(code.split(".")[0]) for code in themes})


def build(gold: list[dict], reviewers: Mapping[str, Mapping[str, list[str]]]) -> list[dict]:
    out = []
    for line, sid in zip(gold, section_ids(gold)):
        line = dict(line)
        if sid is not None:
            missing = [name for name, labels in reviewers.items() if sid not in labels]
            if missing:
                raise SystemExit(f"{sid}: no labels from reviewer {', '.join(missing)}")
            themes = settle([line["themes"], *(labels[sid] for labels in reviewers.values())])
            line["themes"] = themes
            line["pillars"] = pillars_of(themes)
        out.append(line)
    return out


def render(lines: list[dict]) -> str:
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)


def micro_f1(reference: Iterable[set], other: Iterable[set]) -> float:
    tp = fp = fn = 0
    for ref, got in zip(reference, other):
        tp += len(ref & got)
        fp += len(got - ref)
        fn += len(ref - got)
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def report(gold: list[dict], reviewers: Mapping[str, Mapping[str, list[str]]], consensus: list[dict]) -> None:
    readers = {"writer": {}, **{name: dict(labels) for name, labels in reviewers.items()}, "consensus": {}}
    splits: dict[str, list[str]] = {}
    for line, settled, sid in zip(gold, consensus, section_ids(gold)):
        if sid is None:
            continue
        readers["writer"][sid] = line["themes"]
        readers["consensus"][sid] = settled["themes"]
        splits.setdefault(line["split"], []).append(sid)
    names = list(readers)
    for split, ids in sorted(splits.items()):
        print(f"{split}: {len(ids)} sections")
        for name in names:
            themes = [readers[name][i] for i in ids]
            print(f"  {name:9} themes/section {sum(map(len, themes)) / len(ids):.2f}  "
                  f"pillars/section {sum(len(pillars_of(t)) for t in themes) / len(ids):.2f}")
        for i, first in enumerate(names):
            for second in names[i + 1:]:
                a = [set(readers[first][x]) for x in ids]
                b = [set(readers[second][x]) for x in ids]
                pa = [set(pillars_of(t)) for t in a]
                pb = [set(pillars_of(t)) for t in b]
                print(f"  {first:>9} vs {second:9} pillar F1 {micro_f1(pa, pb):.3f}  theme F1 {micro_f1(a, b):.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if gold-consensus.jsonl is out of date")
    parser.add_argument("--report", action="store_true", help="print agreement between the readers")
    args = parser.parse_args(argv)
    gold = read_jsonl(GOLD)
    reviewers = {name: reviewer_themes(path) for name, path in REVIEWERS.items()}
    consensus = build(gold, reviewers)
    if args.report:
        report(gold, reviewers, consensus)
        return 0
    text = render(consensus)
    if args.check:
        if not OUTPUT.exists() or OUTPUT.read_text(encoding="utf-8") != text:
            print(f"{OUTPUT.name} is out of date: run python corpus/consensus.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(HERE.parent)}: {sum(1 for line in consensus if line['kind'] != 'plan')} sections")
    return 0


if __name__ == "__main__":
    sys.exit(main())
