"""The review spreadsheet round trip: export sections to CSV or XLSX, import the reviewers' columns.

Reviewers fill ``reviewer_pillars``, ``reviewer_themes`` and ``reviewer_note`` in Excel or
LibreOffice. A row with both code columns empty is left alone; ``ok`` (or ``accept``) confirms the
current tags; ``none`` or ``-`` says no pillar applies; otherwise the usual spellings are read
("2;4", "2, 4", "P2", "Pillar 2", "2.4; 3.1"). The import validates every row before it writes
anything and then records all decisions in one transaction.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.catalog import Catalog

from .review import Planned, ReviewError, SectionState, find_states, make_decision, parse_codes, plan
from .taxonomy import Taxonomy, fold, load_taxonomy

SHEET_COLUMNS = ("id", "member_state", "kind", "title", "pillars", "themes", "tag_source", "confidence",
                 "status", "reasons", "evidence", "reviewer_pillars", "reviewer_themes", "reviewer_note")
REVIEWER_COLUMNS = ("reviewer_pillars", "reviewer_themes", "reviewer_note")
ACCEPT_WORDS = frozenset({"ok", "accept", "accepted", "confirm", "confirmed"})
NONE_WORDS = frozenset({"none", "-", "no pillar", "ninguno", "nenhum", "aucun"})


class SheetError(ReviewError):
    "The spreadsheet cannot be read"


@dataclass(slots=True)
class ImportPlan:
    """The validated decisions of a sheet, or the reasons it cannot be applied (then nothing is)."""

    planned: list[Planned] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    skipped: int = 0


# --------------------------------------------------------------------------- export


def sheet_rows(states: Iterable[SectionState]) -> list[dict[str, Any]]:
    """One spreadsheet row per section: its current tags and empty reviewer columns."""
    from .review import REASON_LABELS

    rows = []
    for s in states:
        auto_pillars = [t for t in s.automatic if t.kind == "pillar"]
        rows.append({
            "id": s.id, "member_state": s.row["member_state"] or "", "kind": s.row["kind"],
            "title": s.row["title"],
            "pillars": ";".join(t.code for t in s.effective if t.kind == "pillar"),
            "themes": ";".join(t.code for t in s.effective if t.kind == "theme"),
            "tag_source": "reviewer" if s.review is not None else "automatic",
            "confidence": round(max((t.score for t in auto_pillars), default=0.0), 2),
            "status": s.status, "reasons": "; ".join(REASON_LABELS[r] for r in s.reasons),
            "evidence": evidence_summary(s), **{c: "" for c in REVIEWER_COLUMNS},
        })
    return rows


def evidence_summary(state: SectionState, per_tag: int = 3) -> str:
    """The strongest terms behind each automatic pillar: "P2: violencia doméstica, víctimas; P4: barrio"."""
    parts = []
    for tag in state.automatic:
        if tag.kind != "pillar":
            continue
        terms: dict[str, str] = {}
        for e in sorted(tag.evidence, key=lambda e: -e.weight):
            if len(terms) < per_tag:
                terms.setdefault(fold(e.term), e.term)
        label = ", ".join(terms.values()) or tag.source
        parts.append(f"P{tag.code}: {label}")
    return "; ".join(parts)


def write_csv(rows: Sequence[dict[str, Any]], stream: io.TextIOBase | Any) -> None:
    writer = csv.DictWriter(stream, fieldnames=list(SHEET_COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


def write_xlsx(rows: Sequence[dict[str, Any]], path: Path) -> None:
    """An .xlsx with a bold frozen header, the reviewer columns shaded, and ids kept as text."""
    from openpyxl import Workbook  # type: ignore[import-untyped]
    from openpyxl.styles import Font, PatternFill  # type: ignore[import-untyped]

    wb = Workbook()
    ws = wb.active
    ws.title = "review"
    ws.append(list(SHEET_COLUMNS))
    for row in rows:
        ws.append([row[c] for c in SHEET_COLUMNS])
    shade = PatternFill("solid", fgColor="FFF2CC")
    for n, name in enumerate(SHEET_COLUMNS, start=1):
        cell = ws.cell(row=1, column=n)
        cell.font = Font(bold=True)
        letter = cell.column_letter
        ws.column_dimensions[letter].width = {"title": 50, "evidence": 50, "reviewer_note": 40}.get(name, 14)
        if name in REVIEWER_COLUMNS:
            for r in range(1, len(rows) + 2):
                ws.cell(row=r, column=n).fill = shade
    for r in range(2, len(rows) + 2):
        ws.cell(row=r, column=1).number_format = "@"
    ws.freeze_panes = "B2"
    wb.save(path)


# --------------------------------------------------------------------------- import


def read_sheet(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """(spreadsheet row number, {column: value}) for each data row of a .csv or .xlsx file."""
    try:
        with open(path, "rb") as f:
            head = f.read(4)
        rows = _read_xlsx(path) if head.startswith(b"PK") else _read_csv(path)
    except (OSError, csv.Error, ValueError, KeyError) as exc:
        raise SheetError(f"cannot read {path.name}: {exc}") from exc
    if not rows:
        raise SheetError(f"{path.name}: no header row")
    header = [fold(str(h or "")).replace(" ", "_") for h in rows[0]]
    if "id" not in header or not {"reviewer_pillars", "reviewer_themes"} & set(header):
        raise SheetError(f"{path.name}: needs the columns id, reviewer_pillars, reviewer_themes")
    out = []
    for n, values in enumerate(rows[1:], start=2):
        record = {h: v for h, v in zip(header, values, strict=False) if h}
        if any(v not in (None, "") for v in record.values()):
            out.append((n, record))
    return out


def _read_csv(path: Path) -> list[list[Any]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")  # Excel on Windows saves CSV in the ANSI code page
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)  # LibreOffice and Spanish Excel often use ";"
    return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _read_xlsx(path: Path) -> list[list[Any]]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        ws = wb["review"] if "review" in wb.sheetnames else wb.worksheets[0]
        return [list(r) for r in ws.iter_rows(values_only=True)]
    finally:
        wb.close()


def _id_of(value: Any) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)) and float(value).is_integer():
        return f"{int(value):012d}"  # an all-digit id turned into a number by the spreadsheet
    return str(value or "").strip()


def plan_import(catalog: Catalog, rows: Sequence[tuple[int, dict[str, Any]]],
                taxonomy: Taxonomy | None = None) -> ImportPlan:
    """Validate every row (unknown ids, bad codes, duplicated rows); decisions only if all are good."""
    taxonomy = taxonomy or load_taxonomy()
    result = ImportPlan()
    ids = [_id_of(r.get("id")) for _, r in rows]
    known = {s.id: s for s in find_states(catalog, ids, strict=False)}
    seen: dict[str, int] = {}
    for (n, row), sid in zip(rows, ids, strict=True):
        p, t = row.get("reviewer_pillars"), row.get("reviewer_themes")
        note = str(row.get("reviewer_note") or "").strip()
        if _blank(p) and _blank(t):
            if note:
                result.problems.append(f"row {n}: a note but no pillars or themes "
                                       "(write 'ok' to confirm the tags)")
            else:
                result.skipped += 1
            continue
        state = known.get(sid)
        if state is None:
            result.problems.append(f"row {n}: unknown id {sid!r}" if sid else f"row {n}: no id")
            continue
        try:
            if state.key in seen:
                raise ReviewError(f"section {sid} is already decided on row {seen[state.key]}")
            seen[state.key] = n
            result.planned.append(_row_decision(state, p, t, note, taxonomy))
        except ReviewError as exc:
            result.problems.append(f"row {n}: {exc}")
    if result.problems:
        result.planned = []
    return result


def _blank(value: Any) -> bool:
    return value is None or str(value).strip() == ""


def _row_decision(state: SectionState, p: Any, t: Any, note: str, taxonomy: Taxonomy) -> Planned:
    words = {fold(str(v)).strip() for v in (p, t) if not _blank(v)}
    if words & ACCEPT_WORDS:
        return plan(state, "accept", note=note)
    if words <= NONE_WORDS:
        return plan(state, "set", make_decision([], [], taxonomy), note)
    pillars, themes = parse_codes([v for v in (p, t) if fold(str(v)).strip() not in NONE_WORDS], taxonomy)
    if not pillars and not themes:
        raise ReviewError("no pillar or theme codes")
    return plan(state, "set", make_decision(pillars, themes, taxonomy), note)
