"""The Secretariat's figures, computed from the catalog.

The report counts what came in the way the Secretariat's 2013 report to MISPA-IV does:

- the Member States that replied, and those that referenced a National Plan (a ``plan`` section);
- national programs, lessons learned and good practices (``kinds``);
- programs, lessons and practices per pillar and per thematic area. National plans are counted
  apart, never in the pillar figures; a section tagged with several pillars counts under each.

Tags are read through ``Catalog.tags_for`` (the effective, reviewer-overridden tags). If a section
has any tag whose source is ``"reviewer"``, only its reviewer tags are used, so reviewed tags win
over automatic ones even where automatic rows remain in the table. A thematic area also counts
for its pillar. Sections with no pillar are listed apart as "untagged".
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from classify.taxonomy import Taxonomy, load_taxonomy
from ingest.catalog import Catalog
from ingest.model import Tag

KINDS = ("plan", "program", "lesson", "practice")
CONTRIBUTION_KINDS = ("program", "lesson", "practice")  # what the pillar figures count
DATE_FIELDS = ("reply", "ingested")
REVIEWER = "reviewer"


class ReportError(Exception):
    "The report cannot be made with these options"


@dataclass(frozen=True, slots=True)
class Filters:
    """Which replies a report covers. Dates are inclusive; ``date_field`` picks the reply date or
    the ingestion date. A section whose reply has no known date is left out when a date is set."""

    since: dt.date | None = None
    until: dt.date | None = None
    date_field: str = "reply"
    countries: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.date_field not in DATE_FIELDS:
            raise ReportError(f"date field must be one of {', '.join(DATE_FIELDS)}, not {self.date_field!r}")
        unknown = sorted(set(self.kinds) - set(KINDS))
        if unknown:
            raise ReportError(f"unknown section kind {unknown[0]!r} (known: {', '.join(KINDS)})")
        if self.since and self.until and self.since > self.until:
            raise ReportError(f"--since {self.since} is after --until {self.until}")

    def is_set(self) -> bool:
        return bool(self.since or self.until or self.countries or self.kinds)


@dataclass(frozen=True, slots=True)
class Entry:
    """One section as the report and the compendium see it, with its effective tags."""

    id: str
    kind: str
    title: str
    member_state: str | None
    language: str | None
    institution: str
    contact_person: str
    job_title: str
    phone: str
    email: str
    fields: dict[str, str]
    text: str
    pillars: tuple[int, ...]
    themes: tuple[str, ...]
    reviewed_tags: int
    automatic_tags: int


@dataclass(frozen=True, slots=True)
class Report:
    """The figures of one report; ``to_dict()`` is the JSON form."""

    as_of: dt.date
    entries: tuple[Entry, ...]
    member_states: tuple[str, ...]
    with_national_plan: tuple[str, ...]
    kinds: dict[str, int]
    pillars: dict[str, int]
    themes: dict[str, int]
    multi_pillar: int
    untagged: tuple[Entry, ...]
    by_state: dict[str, dict[str, dict[str, int]]]
    review: dict[str, int]
    catalog_empty: bool = False
    filters: Filters = Filters()
    taxonomy: Taxonomy = field(default_factory=load_taxonomy, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The JSON keys of issue 7, plus ``as_of`` and the ``untagged`` sections listed apart."""
        return {
            "as_of": self.as_of.isoformat(),
            "member_states": len(self.member_states),
            "member_state_list": list(self.member_states),
            "with_national_plan": list(self.with_national_plan),
            "kinds": dict(self.kinds),
            "pillars": dict(self.pillars),
            "themes": dict(self.themes),
            "by_state": self.by_state,
            "review": dict(self.review),
            "untagged": [{"id": e.id, "kind": e.kind, "title": e.title, "member_state": e.member_state}
                         for e in self.untagged],
        }


def parse_date(text: str, *, end: bool = False) -> dt.date:
    """"2014-09-30", "2014-09" or "2014"; a partial date is its first day (its last with ``end``)."""
    m = re.fullmatch(r"\s*(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?\s*", text or "")
    if not m:
        raise ReportError(f"not a date: {text!r} (use YYYY-MM-DD, YYYY-MM or YYYY)")
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    try:
        if day:
            return dt.date(year, int(month or 1), int(day))
        if month:
            first = dt.date(year, int(month), 1)
            if not end:
                return first
            return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        return dt.date(year, 12, 31) if end else dt.date(year, 1, 1)
    except ValueError as exc:
        raise ReportError(f"not a date: {text!r} ({exc})") from None


def effective_tags(tags: list[Tag]) -> list[Tag]:
    """Reviewer tags when the section has any, else its automatic tags."""
    reviewed = [t for t in tags if t.source == REVIEWER]
    return reviewed or tags


def load_entries(catalog: Catalog, filters: Filters, taxonomy: Taxonomy | None = None) -> list[Entry]:
    """The catalog's sections that pass ``filters``, with their effective pillars and themes."""
    taxonomy = taxonomy or load_taxonomy()
    where, params = _where(filters)
    return [_entry(row, catalog.tags_for(row["id"]), taxonomy)
            for row in catalog.iter_sections(where, params)]


def _where(filters: Filters) -> tuple[str, tuple[Any, ...]]:
    clauses: list[str] = []
    params: list[Any] = []
    column = "d.reply_date" if filters.date_field == "reply" else "substr(d.ingested_at, 1, 10)"
    if filters.since:
        clauses.append(f"{column} >= ?")
        params.append(filters.since.isoformat())
    if filters.until:
        clauses.append(f"{column} <= ?")
        params.append(filters.until.isoformat())
    if filters.countries:
        names = [resolve_country(c) for c in filters.countries]
        clauses.append(f"lower(s.member_state) IN ({', '.join('?' for _ in names)})")
        params.extend(n.lower() for n in names)
    if filters.kinds:
        clauses.append(f"s.kind IN ({', '.join('?' for _ in filters.kinds)})")
        params.extend(filters.kinds)
    return " AND ".join(clauses), tuple(params)


def resolve_country(text: str) -> str:
    """A Member State as the catalog names it: "CRI", "república de costa rica" -> "Costa Rica"."""
    from ingest.states import resolve_state

    return resolve_state(text) or text.strip()


def _entry(row: dict[str, Any], tags: list[Tag], taxonomy: Taxonomy) -> Entry:
    used = effective_tags(tags)
    themes = sorted({t.code for t in used if t.kind == "theme" and taxonomy.is_valid_area(t.code)},
                    key=taxonomy.area_codes().index)
    pillars = {int(t.code) for t in used if t.kind == "pillar" and taxonomy.is_valid_pillar(t.code)}
    pillars |= {taxonomy.areas[code].pillar for code in themes}
    reviewed = sum(1 for t in used if t.source == REVIEWER)
    return Entry(
        id=row["id"], kind=row["kind"], title=row["title"], member_state=row["member_state"],
        language=row["language"], institution=row["institution"] or "",
        contact_person=row["contact_person"] or "", job_title=row["job_title"] or "",
        phone=row["phone"] or "", email=row["email"] or "", fields=dict(row["fields"]),
        text=row["text"] or "", pillars=tuple(sorted(pillars)), themes=tuple(themes),
        reviewed_tags=reviewed, automatic_tags=len(used) - reviewed,
    )


def build_report(catalog: Catalog, filters: Filters | None = None, *, as_of: dt.date | None = None,
                 taxonomy: Taxonomy | None = None) -> Report:
    """The report's figures for the catalog's ingested replies that pass ``filters``.

    Example: ``build_report(catalog, Filters(countries=("Chile",))).pillars["3"]``. ``as_of`` (the
    date the text form opens with) defaults to ``--until``, else today.
    """
    filters = filters or Filters()
    taxonomy = taxonomy or load_taxonomy()
    entries = load_entries(catalog, filters, taxonomy)
    ok = catalog.db.execute("SELECT count(*) FROM documents WHERE status = 'ok'").fetchone()[0]
    as_of = as_of or filters.until or dt.date.today()
    return compute(entries, taxonomy, as_of=as_of, catalog_empty=ok == 0, filters=filters)


def compute(entries: list[Entry], taxonomy: Taxonomy, *, as_of: dt.date, catalog_empty: bool = False,
            filters: Filters | None = None) -> Report:
    """The figures over ``entries`` (already filtered)."""
    contributions = [e for e in entries if e.kind in CONTRIBUTION_KINDS]
    pillars = {str(p): sum(1 for e in contributions if p in e.pillars) for p in sorted(taxonomy.pillars)}
    themes = {code: sum(1 for e in contributions if code in e.themes) for code in taxonomy.area_codes()}
    states = sorted({e.member_state for e in entries if e.member_state})
    return Report(
        as_of=as_of, entries=tuple(entries), member_states=tuple(states),
        with_national_plan=tuple(sorted({e.member_state for e in entries
                                         if e.kind == "plan" and e.member_state})),
        kinds={k: sum(1 for e in entries if e.kind == k) for k in KINDS},
        pillars=pillars, themes=themes,
        multi_pillar=sum(1 for e in contributions if len(e.pillars) > 1),
        untagged=tuple(e for e in contributions if not e.pillars),
        by_state=_by_state(entries, taxonomy),
        review={"reviewed": sum(e.reviewed_tags for e in entries),
                "automatic": sum(e.automatic_tags for e in entries)},
        catalog_empty=catalog_empty, filters=filters or Filters(), taxonomy=taxonomy,
    )


def _by_state(entries: list[Entry], taxonomy: Taxonomy) -> dict[str, dict[str, dict[str, int]]]:
    """Per Member State: sections by kind, and programs/lessons/practices per pillar."""
    table: dict[str, dict[str, dict[str, int]]] = {}
    for e in sorted(entries, key=lambda e: e.member_state or "~"):
        state = e.member_state or "(unknown)"
        row = table.setdefault(state, {"kinds": dict.fromkeys(KINDS, 0),
                                       "pillars": {str(p): 0 for p in sorted(taxonomy.pillars)}})
        row["kinds"][e.kind] += 1
        if e.kind in CONTRIBUTION_KINDS:
            for p in e.pillars:
                row["pillars"][str(p)] += 1
    return table
