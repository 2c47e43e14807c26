"""Reviewer decisions on pillar and theme tags: the queue, decisions with an audit trail, stats.

A decision is the full set of pillars and themes a reviewer settled on for a section. It is stored
in the catalog's ``reviews`` table under the section's natural key (``ingest.catalog.section_key``:
member state, kind, normalized title), never on a sections row, so re-classification, re-ingest,
rebuilds and revised versions of a reply all keep it; ``Catalog.tags_for`` returns it as the
effective tags (source "reviewer"). Each decision also records the section id and a fingerprint
of the text it was made on: when a later version's text differs substantially (word-trigram
similarity under ``CHANGED_BELOW``), the decision stays in force but the section returns to the
queue as "changed since review". Every decision appends one row to ``review_log``, which SQLite
itself keeps append-only.

When several sections share a key (the same reply ingested in two versions), the one from the
most recently added document stands for the key in the queue, stats and evaluation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ingest.catalog import Catalog, section_key
from ingest.model import Tag

from .taxonomy import Taxonomy, fold, load_taxonomy

CHANGED_BELOW = 0.8
URGENCY = ("conflict", "untagged", "low_confidence", "changed", "unreviewed")
REASON_LABELS = {"conflict": "conflict", "untagged": "untagged", "low_confidence": "low confidence",
                 "changed": "changed since review", "unreviewed": "never reviewed"}
ACTIONS = ("accept", "set", "reject")

_SKIP_WORDS = frozenset({"p", "pillar", "pillars", "pilar", "pilares", "pilier", "piliers", "eixo", "eixos",
                         "theme", "themes", "tema", "temas", "area", "areas", "thematic", "tematica",
                         "and", "y", "e", "et"})
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5"}


class ReviewError(Exception):
    "The review could not be recorded"


class InvalidCode(ReviewError):
    "Unknown pillar or theme code"


class UnknownSection(ReviewError):
    "No section with this id"


class InvalidDecision(ReviewError):
    "The decision does not fit the section"


@dataclass(frozen=True, slots=True)
class Decision:
    """Pillar ids ("2") and theme codes ("2.4"), sorted."""

    pillars: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, list[str]]:
        return {"pillars": list(self.pillars), "themes": list(self.themes)}

    @classmethod
    def of(cls, tags: Iterable[Tag]) -> Decision:
        tags = list(tags)
        return cls(tuple(sorted(t.code for t in tags if t.kind == "pillar")),
                   tuple(sorted(t.code for t in tags if t.kind == "theme")))


@dataclass(frozen=True, slots=True)
class SectionState:
    """One current section with its tags and where it stands in review."""

    row: dict[str, Any]
    key: str
    automatic: list[Tag]
    effective: list[Tag]
    review: dict[str, Any] | None
    status: str  # "reviewed" | "changed" | "unreviewed"
    reasons: tuple[str, ...]  # why it needs a look, most urgent first; () when it does not
    similarity: float | None = None
    versions: tuple[str, ...] = ()  # ids of every section sharing the key (this one included)

    @property
    def id(self) -> str:
        return str(self.row["id"])

    @property
    def urgency(self) -> int:
        return URGENCY.index(self.reasons[0]) if self.reasons else len(URGENCY)


# --------------------------------------------------------------------------- codes


def parse_codes(values: Iterable[object], taxonomy: Taxonomy | None = None) -> tuple[list[str], list[str]]:
    """(pillars, themes) read from reviewers' spellings: "2;4", "2, 4", "P2", "Pillar 2", "2.4; 3.1", "III".

    Raises InvalidCode naming the value for anything else or for a code not in the taxonomy.
    """
    taxonomy = taxonomy or load_taxonomy()
    pillars: list[str] = []
    themes: list[str] = []
    for value in values:
        for code in _codes_in(value):
            if "." in code:
                if not taxonomy.is_valid_area(code):
                    raise InvalidCode(f"unknown theme {code!r} (themes are {_ranges(taxonomy)})")
                themes.append(code)
            elif taxonomy.is_valid_pillar(code):
                pillars.append(code)
            else:
                raise InvalidCode(f"unknown pillar {code!r} (pillars are {min(taxonomy.pillars)}-"
                                  f"{max(taxonomy.pillars)})")
    return sorted(set(pillars)), sorted(set(themes))


def _codes_in(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a spreadsheet cell holding 2 arrives as 2.0
    text = fold(str(value))
    codes = []
    for token in re.findall(r"[a-z]+|\d+(?:\.\d+)*", text):
        if token[0].isdigit():
            codes.append(token)
        elif token in _ROMAN:
            codes.append(_ROMAN[token])
        elif token not in _SKIP_WORDS:
            raise InvalidCode(f"cannot read {str(value)!r} as pillars or themes (unexpected {token!r})")
    return codes


def _ranges(taxonomy: Taxonomy) -> str:
    by_pillar: dict[int, list[str]] = {}
    for area in taxonomy.areas.values():
        by_pillar.setdefault(area.pillar, []).append(area.code)
    return ", ".join(f"{c[0]}-{c[-1]}" for c in by_pillar.values())


def make_decision(pillars: Sequence[str], themes: Sequence[str],
                  taxonomy: Taxonomy | None = None) -> Decision:
    """A decision from validated codes. Themes alone imply their pillars; with pillars given, every
    theme must belong to one of them."""
    taxonomy = taxonomy or load_taxonomy()
    owners = {t: str(taxonomy.areas[t].pillar) for t in themes}
    if not pillars:
        pillars = sorted(set(owners.values()))
    stray = [t for t, p in owners.items() if p not in pillars]
    if stray:
        raise InvalidCode(f"theme {stray[0]} belongs to pillar {owners[stray[0]]}, which is not among "
                          f"the pillars given ({', '.join(pillars)})")
    return Decision(tuple(sorted(set(pillars))), tuple(sorted(set(themes))))


# --------------------------------------------------------------------------- reading


def iter_states(catalog: Catalog, *, country: str | None = None, kind: str | None = None,
                pillar: str | None = None) -> Iterator[SectionState]:
    """Every current section (one per key) with its review status, in catalog order, filtered."""
    keyed = _keyed_sections(catalog)
    versions: dict[str, list[dict[str, Any]]] = {}
    for key, row in keyed:
        versions.setdefault(key, []).append(row)
    reviews = {r["key"]: dict(r) for r in catalog.db.execute("SELECT * FROM reviews")}
    for key, rows in versions.items():
        row = max(rows, key=lambda r: r["document_id"])
        if (country and (row["member_state"] or "").casefold() != country.casefold()) or (
                kind and row["kind"] != kind):
            continue
        state = _state(catalog, key, row, reviews.get(key), tuple(r["id"] for r in rows))
        if pillar and not any(t.kind == "pillar" and t.code == pillar for t in state.effective):
            continue
        yield state


def _keyed_sections(catalog: Catalog) -> list[tuple[str, dict[str, Any]]]:
    """(natural key, row) of every section, counting repeats of a key within one reply."""
    seen: dict[tuple[int, str], int] = {}
    out = []
    for row in catalog.iter_sections():
        base = section_key(row["member_state"], row["kind"], row["title"])
        n = seen[(row["document_id"], base)] = seen.get((row["document_id"], base), 0) + 1
        out.append((section_key(row["member_state"], row["kind"], row["title"], n), row))
    return out


def _state(catalog: Catalog, key: str, row: dict[str, Any], review: dict[str, Any] | None,
           versions: tuple[str, ...]) -> SectionState:
    flags = [f for f in (row.get("flags") or "").split(",") if f in URGENCY]
    similarity = None
    if review is None:
        status, extra = "unreviewed", ["unreviewed"]
    else:
        similarity = 1.0 if fingerprint(row["text"]) == review["text_sha256"] else round(
            text_similarity(review["text_at_review"], row["text"]), 3)
        status = "changed" if similarity < CHANGED_BELOW else "reviewed"
        extra = ["changed"] if status == "changed" else []
    reasons = tuple(r for r in URGENCY if r in flags + extra) if status != "reviewed" else ()
    return SectionState(row, key, catalog.automatic_tags(row["id"]), catalog.tags_for(row["id"]), review,
                        status, reasons, similarity, versions)


def queue(catalog: Catalog, *, country: str | None = None, kind: str | None = None,
          pillar: str | None = None) -> list[SectionState]:
    """Sections that need a look, most urgent first: conflict, untagged, low confidence,
    changed since review, never reviewed."""
    pending = [s for s in iter_states(catalog, country=country, kind=kind, pillar=pillar) if s.reasons]
    return sorted(pending, key=lambda s: (s.urgency, s.row["member_state"] or "", s.row["file_name"],
                                          s.row["ordinal"]))


def find_states(catalog: Catalog, ids: Sequence[str], *, strict: bool = True) -> list[SectionState]:
    """The review state of each section, by id (any version of a key). An unknown id raises
    UnknownSection, or is left out when ``strict`` is false."""
    keyed = _keyed_sections(catalog)
    by_id = {row["id"]: (key, row) for key, row in keyed}
    versions: dict[str, list[str]] = {}
    for key, row in keyed:
        versions.setdefault(key, []).append(row["id"])
    unknown = [i for i in ids if i not in by_id]
    if unknown and strict:
        raise UnknownSection(f"no section with id {unknown[0]!r}")
    out = []
    for sid in dict.fromkeys(i for i in ids if i in by_id):
        key, row = by_id[sid]
        review = catalog.db.execute("SELECT * FROM reviews WHERE key = ?", (key,)).fetchone()
        out.append(_state(catalog, key, row, dict(review) if review else None, tuple(versions[key])))
    return out


# --------------------------------------------------------------------------- text fingerprint


def _words(text: str) -> list[str]:
    return fold(text).split()


def fingerprint(text: str) -> str:
    """sha256 of the text with case, accents and spacing folded away."""
    return hashlib.sha256(" ".join(_words(text)).encode()).hexdigest()


def text_similarity(a: str, b: str) -> float:
    """Jaccard similarity of the two texts' word trigrams (word sets for very short texts), 0..1."""
    wa, wb = _words(a), _words(b)
    n = 3 if min(len(wa), len(wb)) >= 3 else 1
    sa = {tuple(wa[i:i + n]) for i in range(len(wa) - n + 1)}
    sb = {tuple(wb[i:i + n]) for i in range(len(wb) - n + 1)}
    return len(sa & sb) / len(sa | sb) if sa | sb else 1.0


# --------------------------------------------------------------------------- deciding


@dataclass(frozen=True, slots=True)
class Planned:
    """A validated decision about to be recorded."""

    state: SectionState
    action: str
    after: Decision
    note: str = ""


def plan(state: SectionState, action: str, codes: Decision | None = None, note: str = "") -> Planned:
    """Validate one decision: ``accept`` (the current tags), ``set`` (exactly ``codes``) or
    ``reject`` (the current tags without ``codes``; a rejected pillar takes its themes along)."""
    current = Decision.of(state.effective)
    if action == "accept":
        return Planned(state, action, current, note)
    if codes is None:
        raise InvalidDecision(f"{action} needs pillars or themes")
    if action == "set":
        return Planned(state, action, codes, note)
    if action != "reject":
        raise InvalidDecision(f"unknown action {action!r}")
    absent = [c for c in (*codes.pillars, *codes.themes) if c not in (*current.pillars, *current.themes)]
    if absent:
        raise InvalidDecision(f"{state.id}: {absent[0]} is not among its tags "
                              f"({', '.join((*current.pillars, *current.themes)) or 'none'})")
    pillars = tuple(p for p in current.pillars if p not in codes.pillars)
    themes = tuple(t for t in current.themes if t not in codes.themes and t.split(".")[0] in pillars)
    return Planned(state, action, Decision(pillars, themes), note)


def decide(catalog: Catalog, ids: Sequence[str], action: str, codes: Decision | None = None, *,
           note: str = "", reviewer: str, origin: str = "cli") -> list[str]:
    """Validate the decision for every id, then record all in one transaction.

    Returns the ids of every section whose effective tags may have changed (all versions).
    """
    planned = [plan(state, action, codes, note) for state in find_states(catalog, ids)]
    return record(catalog, planned, reviewer=reviewer, origin=origin)


def record(catalog: Catalog, planned: Sequence[Planned], *, reviewer: str, origin: str = "cli") -> list[str]:
    """Write validated decisions and their audit rows, all or nothing."""
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    touched: list[str] = []
    with catalog.transaction() as db:
        for p in planned:
            s, row = p.state, p.state.row
            before = {**Decision.of(s.effective).to_dict(),
                      "source": "reviewer" if s.review is not None else "automatic"}
            after = p.after.to_dict()
            db.execute(
                """INSERT INTO reviews (key, member_state, kind, title, pillars, themes, note, section_id,
                   text_sha256, text_at_review, reviewer, reviewed_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(key) DO UPDATE SET pillars=excluded.pillars, themes=excluded.themes,
                   note=excluded.note, section_id=excluded.section_id, text_sha256=excluded.text_sha256,
                   text_at_review=excluded.text_at_review, reviewer=excluded.reviewer,
                   reviewed_at=excluded.reviewed_at, title=excluded.title""",
                (s.key, row["member_state"] or "", row["kind"], row["title"], json.dumps(after["pillars"]),
                 json.dumps(after["themes"]), p.note, s.id, fingerprint(row["text"]), row["text"], reviewer,
                 now))
            db.execute(
                """INSERT INTO review_log (key, section_id, action, reviewer, at, before, after, note, origin)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (s.key, s.id, p.action, reviewer, now, json.dumps(before), json.dumps(after), p.note, origin))
            touched.extend(v for v in s.versions if v not in touched)
    return touched


# --------------------------------------------------------------------------- history, stats, eval


def history(catalog: Catalog, section_id: str) -> list[dict[str, Any]]:
    """Every logged decision on the section's key, oldest first; works for ids of removed sections too."""
    key = catalog.key_of(section_id)
    if key is None:
        found = catalog.db.execute("SELECT key FROM review_log WHERE section_id = ? LIMIT 1",
                                   (section_id,)).fetchone()
        if found is None:
            raise UnknownSection(f"no section with id {section_id!r}")
        key = found["key"]
    rows = catalog.db.execute("SELECT * FROM review_log WHERE key = ? ORDER BY id", (key,)).fetchall()
    return [{**dict(r), "before": json.loads(r["before"]), "after": json.loads(r["after"])} for r in rows]


def stats(catalog: Catalog) -> list[dict[str, Any]]:
    """Reviewed, changed since review and pending (never reviewed) sections per member state."""
    table: dict[str, dict[str, Any]] = {}
    for s in iter_states(catalog):
        state = s.row["member_state"] or "(unknown)"
        counts = table.setdefault(state, {"member_state": state, "sections": 0, "reviewed": 0, "changed": 0,
                                          "pending": 0})
        counts["sections"] += 1
        counts["pending" if s.status == "unreviewed" else s.status] += 1
    return sorted(table.values(), key=lambda c: c["member_state"])


def reviewed_pairs(catalog: Catalog) -> tuple[list[tuple[Mapping[str, Any], Mapping[str, Any]]], list[str]]:
    """(decision, section row) pairs for ``classify.evaluate.evaluate``, and the reviews left out
    because their section changed since review."""
    pairs: list[tuple[Mapping[str, Any], Mapping[str, Any]]] = []
    stale = []
    for s in iter_states(catalog):
        if s.review is None:
            continue
        if s.status == "changed":
            stale.append(f"{s.id}: {s.row['title']} (changed since review)")
            continue
        gold = {"pillars": [int(p) for p in json.loads(s.review["pillars"])],
                "themes": json.loads(s.review["themes"])}
        pairs.append((gold, s.row))
    return pairs, stale
