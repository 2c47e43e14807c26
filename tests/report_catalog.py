"""A small catalog with known figures, shared by the report tests (tests/test_report*.py).

Four replies that count (Chile 2013, Jamaica 2014, Brazil 2015, Mexico with no date) and one
failed file (Peru) whose section must never be counted. Jamaica's program has automatic tags for
pillar 1 / area 1.2 and reviewer tags for pillar 4 / area 4.1: the reviewer's win.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ingest.catalog import Catalog, DocumentInfo
from ingest.model import Section, SectionKind, Status, Tag

AS_OF = dt.date(2016, 1, 31)

# (state, language, reply date, status, [(kind, title, fields, pillars, themes, reviewer tags)])
REPLIES = [
    ("Chile", "es", "2013-09-14", Status.OK, [
        ("plan", "Plan Nacional de Seguridad Pública", {"period": "2010-2014"}, ["1"], [], None),
        ("program", "Programa Alfa", {"objective": "Reducir la violencia intrafamiliar.",
                                      "results": "Menos denuncias reiteradas."}, ["2"], ["2.4"], None),
        ("practice", "Práctica Beta", {"description": "Patrullaje preventivo en barrios."},
         ["2", "3"], ["2.1", "3.3"], None),
        ("lesson", "Lección Gamma", {"problem": "Datos dispersos."}, [], [], None),
    ]),
    ("Jamaica", "en", "2014-05-01", Status.OK, [
        ("plan", "National Security Policy", {"strategies": "Four pillars of action."}, [], [], None),
        ("program", "Programme Delta", {"needs": "Community trust."}, ["1"], ["1.2"], (["4"], ["4.1"])),
        ("practice", "Practice Epsilon", {"objective": "Share intelligence quickly."},
         ["5"], ["5.1", "5.4"], None),
    ]),
    ("Brazil", "pt", "2015-03-10", Status.OK, [
        ("program", "Programa Zeta", {"results": "Redução de homicídios."}, ["3"], [], None),
        ("lesson", "Lição Eta", {"actions": "Integração das polícias.", "results": "Queda de 20%."},
         ["1", "2", "3"], ["1.1", "2.5"], None),
    ]),
    ("Mexico", "es", None, Status.OK, [
        # area 2.3 without a pillar-2 tag: the area still counts for its pillar
        ("practice", "Práctica Theta", {"objective": "Mediación escolar."}, ["4"], ["4.4", "2.3"], None),
    ]),
    ("Peru", "es", "2016-08-15", Status.FAILED, [
        ("program", "Programa del archivo fallido", {}, ["2"], [], None),
    ]),
]

EXPECTED = {
    "member_states": 4,
    "member_state_list": ["Brazil", "Chile", "Jamaica", "Mexico"],
    "with_national_plan": ["Chile", "Jamaica"],
    "kinds": {"plan": 2, "program": 3, "lesson": 2, "practice": 3},
    "pillars": {"1": 1, "2": 4, "3": 3, "4": 2, "5": 1},
    "themes_nonzero": {"2.4": 1, "2.1": 1, "3.3": 1, "4.1": 1, "5.1": 1, "5.4": 1, "1.1": 1, "2.5": 1,
                       "4.4": 1, "2.3": 1},
    "by_state": {
        "Brazil": {"kinds": {"plan": 0, "program": 1, "lesson": 1, "practice": 0},
                   "pillars": {"1": 1, "2": 1, "3": 2, "4": 0, "5": 0}},
        "Chile": {"kinds": {"plan": 1, "program": 1, "lesson": 1, "practice": 1},
                  "pillars": {"1": 0, "2": 2, "3": 1, "4": 0, "5": 0}},
        "Jamaica": {"kinds": {"plan": 1, "program": 1, "lesson": 0, "practice": 1},
                    "pillars": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 1}},
        "Mexico": {"kinds": {"plan": 0, "program": 0, "lesson": 0, "practice": 1},
                   "pillars": {"1": 0, "2": 1, "3": 0, "4": 1, "5": 0}},
    },
    # effective tags: Chile 1+2+4, Jamaica 2 reviewed + 3, Brazil 1+5, Mexico 3
    "review": {"reviewed": 2, "automatic": 19},
    "multi_pillar": 3,  # Práctica Beta, Lição Eta, Práctica Theta
    "untagged": ["Lección Gamma"],
}


def expected_themes(area_codes: tuple[str, ...]) -> dict[str, int]:
    return {code: EXPECTED["themes_nonzero"].get(code, 0) for code in area_codes}


def build(path: Path) -> tuple[Catalog, dict[str, str]]:
    """The catalog at ``path`` and {title: section id}."""
    catalog = Catalog(path)
    ids: dict[str, str] = {}
    for n, (state, lang, date, status, sections) in enumerate(REPLIES):
        info = DocumentInfo(sha256=f"{n:064x}", file_name=f"{state}.docx", path=f"/replies/{state}.docx",
                            format="docx", status=status, language=lang, member_state=state, reply_date=date,
                            year=int(date[:4]) if date else None)
        records = [Section(kind=SectionKind(kind), title=title, fields=fields, text=f"{title}\n{fields}",
                           ordinal=i, language=lang, member_state=state, institution=f"Ministerio {state}",
                           contact_person="Ana Pérez", email="ana@example.org")
                   for i, (kind, title, fields, *_rest) in enumerate(sections)]
        for sid, (_kind, title, _f, pillars, themes, reviewer) in zip(
                catalog.finish_document(info, records), sections):
            ids[title] = sid
            tags = [Tag("pillar", p, 0.8, "text") for p in pillars]
            tags += [Tag("theme", t, 0.6, "text") for t in themes]
            catalog.replace_tags(sid, tags)
            if reviewer:
                _add_reviewer_tags(catalog, sid, *reviewer)
    return catalog, ids


def _add_reviewer_tags(catalog: Catalog, sid: str, pillars: list[str], themes: list[str]) -> None:
    """Reviewer decisions, written the way the review tool stores them (source='reviewer')."""
    rows = [(sid, "pillar", p) for p in pillars] + [(sid, "theme", t) for t in themes]
    with catalog.transaction():
        catalog.db.executemany("INSERT INTO tags (section_id, kind, code, score, source, evidence) "
                               "VALUES (?, ?, ?, 1.0, 'reviewer', '[]')", rows)
