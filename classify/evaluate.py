"""Measure the tagger against gold labels: per-pillar and per-theme precision, recall and F1."""

from __future__ import annotations

import json
import random
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from ingest.text import close_enough, edit_distance


@dataclass(frozen=True, slots=True)
class Scores:
    precision: float
    recall: float
    f1: float
    tp: int  # for a macro average: the sums over its labels
    fp: int
    fn: int

    @property
    def support(self) -> int:
        """Gold occurrences."""
        return self.tp + self.fn


@dataclass(slots=True)
class Evaluation:
    pillars: dict[str, Scores]
    themes: dict[str, Scores]
    micro: dict[str, Scores]
    macro: dict[str, Scores]
    matched: int
    unmatched: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    # per scored section: (its reply, {"pillar": (tp, fp, fn), "theme": (tp, fp, fn)}), for interval()
    counted: list[tuple[str, dict[str, tuple[int, int, int]]]] = field(default_factory=list, repr=False)

    def interval(self, resamples: int = 1000, level: float = 0.95, seed: int = 0) -> dict[str, Any]:
        """How far the micro F1 could move on another sample like this one: the central ``level``
        share of the micro F1s of ``resamples`` bootstrap samples. Replies are drawn with
        replacement, each with all its sections (sections of one reply share an author and a
        style, so drawing sections one by one would make the interval too narrow). Seeded: the
        same catalog gives the same interval."""
        replies: dict[str, list[dict[str, tuple[int, int, int]]]] = {}
        for reply, counts in self.counted:
            replies.setdefault(reply, []).append(counts)
        groups = list(replies.values())
        out: dict[str, Any] = {"level": level, "resamples": resamples, "replies": len(groups)}
        if not groups:
            return out
        rng = random.Random(seed)
        samples: dict[str, list[float]] = {"pillar": [], "theme": []}
        for _ in range(resamples):
            drawn = [rng.choice(groups) for _ in groups]
            for kind, f1s in samples.items():
                tp, fp, fn = (sum(c[kind][i] for group in drawn for c in group) for i in range(3))
                f1s.append(_scores(tp, fp, fn).f1)
        low = (1 - level) / 2
        for kind, f1s in samples.items():
            f1s.sort()
            out[kind] = [round(f1s[int(low * (resamples - 1))], 4), round(f1s[int((1 - low) * (resamples - 1))], 4)]
        return out

    def to_dict(self) -> dict[str, Any]:
        def d(s: Scores) -> dict[str, float]:
            return {"precision": round(s.precision, 4), "recall": round(s.recall, 4), "f1": round(s.f1, 4),
                    "support": s.support, "tp": s.tp, "fp": s.fp, "fn": s.fn}
        return {"matched": self.matched, "unmatched": self.unmatched,
                "micro": {k: d(v) for k, v in self.micro.items()},
                "macro": {k: d(v) for k, v in self.macro.items()},
                "pillars": {k: d(v) for k, v in self.pillars.items()},
                "themes": {k: d(v) for k, v in self.themes.items()}, "errors": self.errors,
                "interval": self.interval()}


def norm_title(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join("".join(c if c.isalnum() else " " for c in text).split())


class GoldError(ValueError):
    """A gold file's line is not a gold section (the message names the line)."""


GOLD_KEYS = ("member_state", "kind", "title", "pillars", "themes")


def load_gold(path: Path, split: str | None = None) -> list[dict[str, Any]]:
    """Gold sections (plans excluded: they carry no pillar labels), optionally one split only.

    Each line is a JSON object with at least ``GOLD_KEYS`` (pillars as numbers, themes as codes);
    one that is not raises GoldError naming the file and line."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise GoldError(f"{path.name}:{number}: not JSON ({exc.msg} at column {exc.colno})") from None
        missing = [k for k in GOLD_KEYS if k not in row] if isinstance(row, dict) else list(GOLD_KEYS)
        if missing:
            raise GoldError(f"{path.name}:{number}: a gold section needs {', '.join(missing)}")
        if not isinstance(row["pillars"], list) or not isinstance(row["themes"], list):
            raise GoldError(f"{path.name}:{number}: pillars and themes are lists ([2, 4], [\"2.4\"])")
        rows.append(row)
    return [r for r in rows if r["kind"] != "plan" and (split in (None, "all") or r.get("split") == split)]


def match_gold(gold: Iterable[Mapping[str, Any]], sections: Iterable[Mapping[str, Any]]) -> tuple[
        list[tuple[Mapping[str, Any], Mapping[str, Any]]], list[str]]:
    """Pair gold and catalog sections by file, member state, kind and normalized title; a gold section
    whose title is found nowhere is paired with the closest title of its state and kind still
    unpaired, if that one is within a small edit distance (an OCR'd title: "Contro! de las ...").

    A gold line's ``file`` (``replies/x.docx``) is compared with the name of the file a section came
    from (the outer file, for a section inside an e-mail or an archive): two replies of one state
    may hold a section of the same kind and title (a programme reported again years later), and each
    gold line must meet its own reply's. A gold line whose file is not in the catalog at all pairs by
    title alone (a gold file written for other copies of the replies). Each section pairs at most once."""
    gold = list(gold)
    found = [(n, _origin(s), s) for n, s in enumerate(sections)]  # (number, file name, section)
    origins = {origin for _, origin, _ in found}
    by_title: dict[tuple[str, str, str], list[tuple[int, str, Mapping[str, Any]]]] = {}
    for entry in found:
        s = entry[2]
        by_title.setdefault((s["member_state"] or "", s["kind"], norm_title(s["title"])), []).append(entry)
    used: set[int] = set()
    paired: dict[int, tuple[Mapping[str, Any], Mapping[str, Any]]] = {}

    def free(g: Mapping[str, Any], entries: Iterable[tuple[int, str, Mapping[str, Any]]]) -> list[
            tuple[int, str, Mapping[str, Any]]]:
        """Those of ``entries`` not paired yet that ``g`` may take: its own file's, or any when its
        file is not in the catalog."""
        wanted = _file_name(g.get("file"))
        return [e for e in entries if e[0] not in used and (e[1] == wanted or wanted not in origins)]

    def pair(n: int, entry: tuple[int, str, Mapping[str, Any]]) -> None:
        used.add(entry[0])
        paired[n] = (gold[n], entry[2])

    # exact titles, the gold lines of files in the catalog first (they may take only their own)
    for n in sorted(range(len(gold)), key=lambda n: _file_name(gold[n].get("file")) not in origins):
        g = gold[n]
        entries = free(g, by_title.get((g["member_state"], g["kind"], norm_title(g["title"])), ()))
        if entries:
            pair(n, entries[0])
    missing = []
    for n, g in enumerate(gold):
        if n in paired:
            continue
        title = norm_title(g["title"])
        near = [(edit_distance(t, title), entry[0], entry) for (state, kind, t), entries in by_title.items()
                if state == g["member_state"] and kind == g["kind"] and close_enough(t, title)
                for entry in free(g, entries)]
        if near:
            pair(n, min(near)[2])
        else:
            missing.append(f"{g['file']}: {g['kind']} {g['title']!r}")
    return [paired[n] for n in sorted(paired)], missing


def _file_name(path: Any) -> str:
    return Path(str(path)).name if path else ""


def replies_of(pairs: Iterable[tuple[Mapping[str, Any], Mapping[str, Any]]],
               sections: Iterable[Mapping[str, Any]]) -> list[str]:
    """The ids of ``sections`` (national plans too) of the replies that ``pairs``' catalog sections
    come from: what an index of one split's replies holds (bench/search_recall.py and the like)."""
    documents = {s["document_id"] for _, s in pairs}
    return [s["id"] for s in sections if s["document_id"] in documents]


def _origin(section: Mapping[str, Any]) -> str:
    """The name of the file a section came from: an archive's or e-mail's, for a part inside one."""
    return _file_name(str(section.get("source_path") or "").split("!/", 1)[0])


def evaluate(pairs: list[tuple[Mapping[str, Any], Mapping[str, Any]]],
             predict: Callable[[Mapping[str, Any]], tuple[list[int], list[str]]]) -> Evaluation:
    """``predict(section) -> (pillars, themes)``; compares with each gold section's labels."""
    counts: dict[str, dict[str, list[int]]] = {"pillar": {}, "theme": {}}
    errors, counted = [], []
    for g, s in pairs:
        pillars, themes = predict(s)
        mine = {}
        for kind, want, got in (("pillar", {str(p) for p in g["pillars"]}, {str(p) for p in pillars}),
                                ("theme", set(g["themes"]), set(themes))):
            for code in want | got:
                c = counts[kind].setdefault(code, [0, 0, 0])  # tp, fp, fn
                c[0 if code in want and code in got else 1 if code in got else 2] += 1
            mine[kind] = (len(want & got), len(got - want), len(want - got))
        counted.append((str(g.get("file") or s.get("document_id")), mine))
        if set(g["pillars"]) != set(pillars) or set(g["themes"]) != set(themes):
            errors.append({"id": s["id"], "title": s["title"], "member_state": s["member_state"],
                           "gold_pillars": g["pillars"], "pillars": pillars,
                           "gold_themes": g["themes"], "themes": themes})
    per = {k: {code: _scores(*c) for code, c in sorted(v.items())} for k, v in counts.items()}
    micro = {k: _scores(*(sum(c[i] for c in v.values()) for i in range(3))) for k, v in counts.items()}
    macro = {k: _macro(per[k].values()) for k in per}
    return Evaluation(per["pillar"], per["theme"], micro, macro, len(pairs), errors=errors, counted=counted)


def _scores(tp: int, fp: int, fn: int) -> Scores:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return Scores(p, r, f, tp, fp, fn)


def _macro(items: Iterable[Scores]) -> Scores:
    items = [s for s in items if s.support]
    if not items:
        return Scores(0.0, 0.0, 0.0, 0, 0, 0)
    n = len(items)
    return Scores(sum(s.precision for s in items) / n, sum(s.recall for s in items) / n,
                  sum(s.f1 for s in items) / n,
                  sum(s.tp for s in items), sum(s.fp for s in items), sum(s.fn for s in items))
