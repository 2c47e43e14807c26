"""Render a :class:`~report.stats.Report` as text, Markdown, JSON or CSV.

The text form reads like the Secretariat's paragraph in its 2013 report to MISPA-IV ("As of ...,
a total of N Member States had submitted responses to the questionnaire: ..."), in English, the
language of that report; tables of thematic areas and Member States follow.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Sequence

from .stats import CONTRIBUTION_KINDS, KINDS, Report, resolve_country

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
KIND_NOUNS = {  # singular, plural, as the Secretariat writes them
    "plan": ("national plan", "national plans"),
    "program": ("national program", "national programs"),
    "lesson": ("lesson learned", "lessons learned"),
    "practice": ("best practice", "best practices"),
}
KIND_HEADERS = {"plan": "Plans", "program": "Programs", "lesson": "Lessons", "practice": "Practices"}
NO_REPLIES = "No replies yet: the catalog holds no ingested replies to the questionnaire."
CSV_COLUMNS = ("figure", "member_state", "key", "value")


def long_date(day: dt.date) -> str:
    """"29 November 2026" (English month names, whatever the locale)."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def enumerate_names(names: Sequence[str]) -> str:
    """"A", "A and B", "A, B and C"."""
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def count_of(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural}"


def pillar_label(report: Report, pillar: str) -> str:
    """"Pillar 3 – Police management"."""
    return f"Pillar {pillar} – {report.taxonomy.pillars[int(pillar)].names['en']}"


def area_label(report: Report, code: str) -> str:
    return f"{code} {report.taxonomy.areas[code].names['en']}"


def filter_note(report: Report) -> str:
    """One line naming the filters in force ("" when there are none)."""
    f = report.filters
    parts = []
    if f.since or f.until:
        which = "reply date" if f.date_field == "reply" else "ingestion date"
        span = " ".join(filter(None, [f.since and f"from {f.since}", f.until and f"to {f.until}"]))
        parts.append(f"{which} {span}")
    if f.countries:
        parts.append("Member State " + ", ".join(resolve_country(c) for c in f.countries))
    if f.kinds:
        parts.append("kind " + ", ".join(f.kinds))
    return f"Figures restricted to: {'; '.join(parts)}." if parts else ""


def empty_message(report: Report) -> str | None:
    """The message that replaces the report when there is nothing to count, else None."""
    if report.catalog_empty or (not report.entries and not report.filters.is_set()):
        return NO_REPLIES
    if not report.entries:
        return "No replies match these filters. " + filter_note(report)
    return None


def paragraphs(report: Report) -> list[str]:
    """The Secretariat's three paragraphs, with this catalog's figures."""
    states = report.member_states
    total = count_of(len(states), "Member State", "Member States")
    first = (f"As of {long_date(report.as_of)}, a total of {total}"
             f" had submitted responses to the questionnaire: {enumerate_names(states)}.")
    return [first, _plans_paragraph(report), _pillars_paragraph(report)]


def _plans_paragraph(report: Report) -> str:
    plans = report.with_national_plan
    if plans:
        who = f"{count_of(len(plans), 'Member State', 'Member States')} -- {enumerate_names(plans)} --"
    else:
        who = "no Member State"
    kinds = [count_of(report.kinds[k], *KIND_NOUNS[k]) for k in CONTRIBUTION_KINDS]
    return (f"From the information received, the Secretariat notes that {who} specifically referenced "
            "the existence of a National Plan on Public Security, or its equivalent. It is further noted "
            f"that Member States made reference to {enumerate_names(kinds)}.")


def _pillars_paragraph(report: Report) -> str:
    parts = []
    for n, (pillar, count) in enumerate(report.pillars.items()):
        verb = ("was related to" if count == 1 else "were related to") if n == 0 else "to"
        parts.append(f"{count} {verb} {pillar_label(report, pillar)}")
    listed = "; ".join(parts[:-1]) + f"; and {parts[-1]}" if len(parts) > 1 else "".join(parts)
    text = f"Of those programs, lessons learned and best practices referenced, {listed}."
    total = sum(report.kinds[k] for k in CONTRIBUTION_KINDS)
    if report.multi_pillar:
        text += (f" It is important to note that {report.multi_pillar} of the {total} contributions received "
                 "refer to more than one pillar, and are counted under each.")
    if report.untagged:
        text += (f" {count_of(len(report.untagged), 'contribution is', 'contributions are')} not yet related "
                 "to any pillar; they are listed apart as untagged.")
    return text


def review_sentence(report: Report) -> str:
    r = report.review
    sections = count_of(sum(1 for e in report.entries if e.reviewed_tags), "section", "sections")
    return (f"Of the {r['reviewed'] + r['automatic']} pillar and thematic-area tags behind these figures, "
            f"{r['reviewed']} (in {sections}) were reviewed by staff and {r['automatic']} were assigned "
            "automatically.")


def render_text(report: Report) -> str:
    """The plain-text report: the Secretariat's paragraphs, then tables."""
    message = empty_message(report)
    if message:
        return message + "\n"
    blocks = [p for p in [filter_note(report), *paragraphs(report)] if p]
    blocks.append("Programs, lessons learned and best practices by thematic area:\n"
                  + text_table(_theme_rows(report), ["area", "sections"]))
    blocks.append("By Member State:\n" + text_table(_state_rows(report), _state_headers(report)))
    blocks.append(review_sentence(report))
    if report.untagged:
        blocks.append("Untagged (no pillar yet):\n" + "\n".join(
            f"  [{e.id}] {e.member_state or '(unknown)'} · {e.kind} · {e.title}" for e in report.untagged))
    return "\n\n".join(blocks) + "\n"


def render_markdown(report: Report) -> str:
    """The report as Markdown: the paragraphs, then one table per figure."""
    lines = ["# Replies to the questionnaire on best practices and national experiences in public security",
             ""]
    message = empty_message(report)
    if message:
        return "\n".join([*lines, message, ""])
    for p in [filter_note(report), *paragraphs(report)]:
        if p:
            lines += [p, ""]
    lines += ["## Sections by kind", "", *md_table([(KIND_HEADERS[k], report.kinds[k]) for k in KINDS],
                                                   ["kind", "sections"]), ""]
    pillar_rows = [(pillar_label(report, p), n) for p, n in report.pillars.items()]
    lines += ["## Pillars (programs, lessons learned and best practices)", "",
              *md_table([*pillar_rows, ("Untagged", len(report.untagged))], ["pillar", "sections"]), ""]
    lines += ["## Thematic areas", "", *md_table(_theme_rows(report), ["area", "sections"]), ""]
    lines += ["## By Member State", "", *md_table(_state_rows(report), _state_headers(report)), ""]
    lines += ["## Review", "", review_sentence(report), ""]
    if report.untagged:
        rows = [(e.id, e.member_state or "", e.kind, e.title) for e in report.untagged]
        lines += ["## Untagged", "", *md_table(rows, ["id", "member state", "kind", "title"]), ""]
    return "\n".join(lines)


def render_json(report: Report) -> str:
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2)


def render_csv(report: Report) -> str:
    """Every figure as one row of ``figure,member_state,key,value`` (a long table for spreadsheets)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    d = report.to_dict()
    writer.writerow(["as_of", "", "", d["as_of"]])
    writer.writerow(["member_states", "", "", d["member_states"]])
    writer.writerows(["member_state_list", s, "", 1] for s in d["member_state_list"])
    writer.writerow(["with_national_plan", "", "", len(d["with_national_plan"])])
    writer.writerows(["with_national_plan", s, "", 1] for s in d["with_national_plan"])
    for figure in ("kinds", "pillars", "themes", "review"):
        writer.writerows([figure, "", key, value] for key, value in d[figure].items())
    for state, row in d["by_state"].items():
        for figure in ("kinds", "pillars"):
            writer.writerows([f"by_state.{figure}", state, key, value] for key, value in row[figure].items())
    writer.writerow(["untagged", "", "", len(d["untagged"])])
    writer.writerows(["untagged", e["member_state"] or "", e["id"], 1] for e in d["untagged"])
    return buf.getvalue()


RENDERERS = {"text": render_text, "markdown": render_markdown, "json": render_json, "csv": render_csv}


def render(report: Report, fmt: str = "text") -> str:
    """The report in ``fmt``: text, markdown, json or csv."""
    return RENDERERS[fmt](report)


def _theme_rows(report: Report) -> list[tuple[str, int]]:
    return [(area_label(report, code), n) for code, n in report.themes.items()]


def _state_headers(report: Report) -> list[str]:
    return ["member state", *(KIND_HEADERS[k].lower() for k in KINDS), *(f"P{p}" for p in report.pillars)]


def _state_rows(report: Report) -> list[tuple[object, ...]]:
    return [(state, *row["kinds"].values(), *row["pillars"].values())
            for state, row in report.by_state.items()]


def text_table(rows: Sequence[Sequence[object]], headers: Sequence[str]) -> str:
    """An aligned plain-text table, numbers right-aligned."""
    cells = [[str(h) for h in headers], *[[str(c) for c in r] for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        lines.append("  ".join(c.rjust(w) if n and c.isdigit() else c.ljust(w)
                               for c, w in zip(row, widths)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join("  " + line for line in lines)


def md_table(rows: Sequence[Sequence[object]], headers: Sequence[str]) -> list[str]:
    def cell(value: object) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    return ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|",
            *("| " + " | ".join(cell(c) for c in r) + " |" for r in rows)]
