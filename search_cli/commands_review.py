"""Commands for reviewers: mispa review queue|accept|set|reject|history|export|import|stats."""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path
from typing import Any

import click

from .cli import Context, cli
from .options import member_state_names
from .output import format_option, table, to_json

_KINDS = click.Choice(["plan", "program", "lesson", "practice"])
_by = click.option("--by", help="Reviewer's name. Default: $MISPA_REVIEWER, else the OS user")
_note = click.option("--note", default="", help="Why: kept with the decision in the audit log")


@cli.group()
def review() -> None:
    """Confirm or correct the automatic pillar and theme tags; reviewers' decisions are final.

    Decisions are kept under the section's Member State, kind and title, so they survive
    re-classification, re-ingest, reindex and revised versions of a reply. Every decision is logged.

    Example:

        mispa review queue --country Chile && mispa review set 3f2a9c1e0b7d --pillar 2 --theme 2.4
    """


def _reviewer(by: str | None) -> str:
    if by:
        return by
    try:
        return os.environ.get("MISPA_REVIEWER") or getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def _pillar_arg(value: str | None) -> str | None:
    if value is None:
        return None
    pillars, themes = _parse([value], "--pillar")
    if len(pillars) != 1 or themes:
        raise click.BadParameter(f"{value!r} is not one pillar", param_hint="--pillar")
    return pillars[0]


def _parse(values: list[str], hint: str) -> tuple[list[str], list[str]]:
    from classify.review import InvalidCode, parse_codes

    try:
        return parse_codes(values)
    except InvalidCode as exc:
        raise click.BadParameter(str(exc), param_hint=hint) from exc


def _tags_text(tags: list[Any], kind: str) -> str:
    return ",".join(t.code for t in tags if t.kind == kind) or "-"


@review.command("queue")
@click.option("--country", help="Only this Member State", callback=member_state_names)
@click.option("--kind", type=_KINDS, help="Only this kind of section")
@click.option("--pillar", help="Only sections tagged with this pillar, e.g. 2")
@click.option("--limit", type=click.IntRange(1), help="At most this many sections")
@format_option("table", "json")
@click.pass_obj
def queue_cmd(obj: Context, country: str | None, kind: str | None, pillar: str | None, limit: int | None,
              fmt: str) -> None:
    """Sections that need a look, most urgent first: conflict, untagged, low confidence,
    changed since review, never reviewed.

    Example:

        mispa review queue --country Jamaica --kind program --format json
    """
    from classify.review import REASON_LABELS, queue
    from classify.review_sheet import evidence_summary

    from .records import export_record

    items = queue(obj.catalog, country=country, kind=kind, pillar=_pillar_arg(pillar))[:limit]
    if fmt == "json":
        click.echo(to_json([{**export_record(s.row, s.effective), "status": s.status,
                             "reasons": [REASON_LABELS[r] for r in s.reasons], "similarity": s.similarity,
                             "automatic_tags": export_record(s.row, s.automatic)["tags"],
                             "evidence_summary": evidence_summary(s)} for s in items]))
        return
    rows = [(", ".join(REASON_LABELS[r] for r in s.reasons), s.id, s.row["member_state"], s.row["kind"],
             s.row["title"], _tags_text(s.effective, "pillar"), _tags_text(s.effective, "theme"),
             evidence_summary(s)) for s in items]
    headers = ["reasons", "id", "member state", "kind", "title", "pillars", "themes", "evidence"]
    click.echo(table(rows, headers))
    click.echo(f"{len(rows)} sections to review")


def _decide(obj: Context, ids: tuple[str, ...], action: str, codes: Any, note: str, by: str | None) -> None:
    from classify.review import InvalidCode, ReviewError, decide

    try:
        touched = decide(obj.catalog, list(ids), action, codes, note=note, reviewer=_reviewer(by))
    except InvalidCode as exc:
        raise click.BadParameter(str(exc)) from exc
    except ReviewError as exc:
        raise click.ClickException(f"{exc}; nothing was changed") from exc
    _refresh(obj, touched)
    for sid in dict.fromkeys(ids):
        tags = obj.catalog.tags_for(sid)
        pillars, themes = _tags_text(tags, "pillar"), _tags_text(tags, "theme")
        click.echo(f"{sid}: pillars {pillars}  themes {themes}  ({action})")


def _refresh(obj: Context, ids: list[str]) -> None:
    from .wiring import refresh_index

    try:
        refresh_index(obj.catalog, obj.settings.index_dir, ids)
    except Exception as exc:  # the catalog holds the decision; the index can be rebuilt
        click.echo(f"warning: search index not updated ({exc}); run `mispa reindex`", err=True)


def _codes(pillar: tuple[str, ...], theme: tuple[str, ...]) -> Any:
    from classify.review import InvalidCode, make_decision

    pillars, stray = _parse(list(pillar), "--pillar")
    wrong, themes = _parse(list(theme), "--theme")
    if stray or wrong:
        raise click.BadParameter("pillars go in --pillar (2), themes in --theme (2.4)")
    try:
        return make_decision(pillars, themes)
    except InvalidCode as exc:
        raise click.BadParameter(str(exc)) from exc


@review.command("accept")
@click.argument("ids", nargs=-1, required=True)
@_note
@_by
@click.pass_obj
def accept_cmd(obj: Context, ids: tuple[str, ...], note: str, by: str | None) -> None:
    """Confirm the current tags of one or more sections.

    Example:

        mispa review accept 3f2a9c1e0b7d 747700a2fe46 --by "A. Reviewer"
    """
    _decide(obj, ids, "accept", None, note, by)


@review.command("set")
@click.argument("ids", nargs=-1, required=True)
@click.option("--pillar", multiple=True, help="A pillar (repeatable; \"2\", \"P2\", \"2;4\")")
@click.option("--theme", multiple=True, help="A thematic area (repeatable; \"2.4\")")
@click.option("--none", "no_pillar", is_flag=True, help="No pillar applies to the section")
@_note
@_by
@click.pass_obj
def set_cmd(obj: Context, ids: tuple[str, ...], pillar: tuple[str, ...], theme: tuple[str, ...],
            no_pillar: bool, note: str, by: str | None) -> None:
    """Replace the tags of one or more sections with exactly these pillars and themes.

    Themes alone imply their pillars.

    Example:

        mispa review set 3f2a9c1e0b7d --pillar 2 --pillar 4 --theme 2.4 --note "school programme"
    """
    if not (pillar or theme or no_pillar):
        raise click.UsageError("give --pillar or --theme (or --none)")
    if no_pillar and (pillar or theme):
        raise click.UsageError("--none cannot go with --pillar or --theme")
    _decide(obj, ids, "set", _codes(pillar, theme), note, by)


@review.command("reject")
@click.argument("ids", nargs=-1, required=True)
@click.option("--pillar", multiple=True, help="A pillar to remove, with its themes (repeatable)")
@click.option("--theme", multiple=True, help="A thematic area to remove (repeatable)")
@_note
@_by
@click.pass_obj
def reject_cmd(obj: Context, ids: tuple[str, ...], pillar: tuple[str, ...], theme: tuple[str, ...], note: str,
               by: str | None) -> None:
    """Remove wrong pillars or themes from one or more sections, keeping the rest.

    Example:

        mispa review reject 3f2a9c1e0b7d --pillar 3
    """
    from classify.review import Decision

    if not (pillar or theme):
        raise click.UsageError("give --pillar or --theme to reject")
    pillars, stray = _parse(list(pillar), "--pillar")
    wrong, themes = _parse(list(theme), "--theme")
    if stray or wrong:
        raise click.BadParameter("pillars go in --pillar (2), themes in --theme (2.4)")
    _decide(obj, ids, "reject", Decision(tuple(pillars), tuple(themes)), note, by)


@review.command("history")
@click.argument("section_id")
@format_option("table", "json")
@click.pass_obj
def history_cmd(obj: Context, section_id: str, fmt: str) -> None:
    """Every decision on a section (all its versions): who, when, before, after, note.

    Example:

        mispa review history 3f2a9c1e0b7d
    """
    from classify.review import UnknownSection, history

    try:
        entries = history(obj.catalog, section_id)
    except UnknownSection as exc:
        raise click.ClickException(str(exc)) from exc
    if fmt == "json":
        click.echo(to_json(entries))
        return

    def tags(d: dict[str, Any]) -> str:
        return f"P {','.join(d['pillars']) or '-'} T {','.join(d['themes']) or '-'}"

    rows = [(e["at"], e["reviewer"], e["action"], tags(e["before"]), tags(e["after"]), e["section_id"],
             e["note"]) for e in entries]
    click.echo(table(rows, ["when", "by", "action", "before", "after", "section", "note"]))
    if not entries:
        click.echo("never reviewed")


@review.command("export")
@format_option("csv", "xlsx", "json", default="csv")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="File to write")
@click.option("--pending", is_flag=True, help="Only the sections in the review queue")
@click.option("--country", help="Only this Member State", callback=member_state_names)
@click.option("--kind", type=_KINDS, help="Only this kind of section")
@click.option("--pillar", help="Only sections tagged with this pillar")
@click.pass_obj
def export_cmd(obj: Context, fmt: str, output: Path | None, pending: bool, country: str | None,
               kind: str | None, pillar: str | None) -> None:
    """A review spreadsheet: sections, current tags, confidence, evidence and empty reviewer columns.

    Fill reviewer_pillars / reviewer_themes / reviewer_note ("2;4", "P2", "2.4; 3.1", "ok" to
    confirm, "none") and load it back with `mispa review import`.

    Example:

        mispa review export --format xlsx -o review.xlsx --pending
    """
    from classify.review import iter_states, queue
    from classify.review_sheet import SHEET_COLUMNS, sheet_rows, write_csv, write_xlsx

    filters: dict[str, Any] = {"country": country, "kind": kind, "pillar": _pillar_arg(pillar)}
    rows = sheet_rows(queue(obj.catalog, **filters) if pending else iter_states(obj.catalog, **filters))
    if fmt == "xlsx":
        if output is None:
            raise click.UsageError("--format xlsx needs --output FILE")
        write_xlsx(rows, output)
    elif fmt == "json":
        text = to_json([{k: r[k] for k in SHEET_COLUMNS} for r in rows]) + "\n"
        if output:
            output.write_text(text, encoding="utf-8")
        else:
            click.echo(text, nl=False)
    elif output:
        with open(output, "w", encoding="utf-8-sig", newline="") as f:  # the BOM tells Excel it is UTF-8
            write_csv(rows, f)
    else:
        write_csv(rows, sys.stdout)
    if output:
        click.echo(f"wrote {len(rows)} sections to {output}", err=True)


@review.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Only check the rows; record nothing")
@_by
@click.pass_obj
def import_cmd(obj: Context, file: Path, dry_run: bool, by: str | None) -> None:
    """Record the decisions of a filled-in review spreadsheet (.csv or .xlsx): all rows or none.

    Every row is checked first (unknown ids, bad codes, duplicated rows); when any is bad, each is
    printed with its reason, nothing is recorded and the exit status is 1.

    Example:

        mispa review import review.xlsx --by "A. Reviewer"
    """
    from classify.review import record
    from classify.review_sheet import SheetError, plan_import, read_sheet

    try:
        result = plan_import(obj.catalog, read_sheet(file))
    except SheetError as exc:
        raise click.ClickException(f"{exc}; nothing was changed") from exc
    if result.problems:
        for problem in result.problems:
            click.echo(f"{file.name}: {problem}", err=True)
        raise click.ClickException(f"{len(result.problems)} bad rows; nothing was changed")
    if dry_run:
        click.echo(f"{len(result.planned)} decisions would be recorded; {result.skipped} rows without one")
        return
    touched = record(obj.catalog, result.planned, reviewer=_reviewer(by), origin=f"import {file.name}")
    _refresh(obj, touched)
    click.echo(f"recorded {len(result.planned)} decisions; {result.skipped} rows without one left alone")


@review.command("stats")
@format_option("table", "json")
@click.pass_obj
def stats_cmd(obj: Context, fmt: str) -> None:
    """Reviewed, changed since review and pending sections by Member State.

    Example:

        mispa review stats --format json
    """
    from classify.review import stats

    counts = stats(obj.catalog)
    if fmt == "json":
        click.echo(to_json(counts))
        return
    keys = ("sections", "reviewed", "changed", "pending")
    total = {k: sum(c[k] for c in counts) for k in keys}
    rows = [(c["member_state"], *(c[k] for k in keys)) for c in counts] + [("total", *total.values())]
    click.echo(table(rows, ["member state", "sections", "reviewed", "changed since review", "pending"]))
