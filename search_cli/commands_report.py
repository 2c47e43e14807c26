"""The Secretariat's outputs: ``mispa report`` (figures) and ``mispa compendium`` (Word, PDF)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable, TypeVar

import click

from .cli import Context, cli
from .options import member_state_names
from .output import format_option

F = TypeVar("F", bound=Callable[..., Any])
_KINDS = click.Choice(["plan", "program", "lesson", "practice"])


def report_filters(command: F) -> F:
    """The filters shared by ``report`` and ``compendium``."""
    options = [
        click.option("--since", help="Only replies dated on or after this day (YYYY-MM-DD, YYYY-MM or YYYY)"),
        click.option("--until", help="Only replies dated up to this day (YYYY-MM-DD, YYYY-MM or YYYY)"),
        click.option("--date-field", type=click.Choice(["reply", "ingested"]), default="reply",
                     show_default=True,
                     help="Which date --since/--until compare: the reply's own date or when it was ingested"),
        click.option("--country", multiple=True, callback=member_state_names,
                     help="Only this Member State, by name or ISO code (repeatable)"),
        click.option("--kind", multiple=True, type=_KINDS, help="Only this kind of section (repeatable)"),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _build(obj: Context, since: str | None, until: str | None, date_field: str, country: tuple[str, ...],
           kind: tuple[str, ...]) -> Any:
    """The report for these options; a bad date or option is a usage error (exit 2)."""
    from report import Filters, ReportError, build_report, parse_date

    try:
        filters = Filters(since=parse_date(since) if since else None,
                          until=parse_date(until, end=True) if until else None,
                          date_field=date_field, countries=country, kinds=kind)
    except ReportError as exc:
        raise click.UsageError(str(exc)) from exc
    return build_report(obj.catalog, filters)


@cli.command()
@report_filters
@format_option("text", "markdown", "json", "csv", default="text")
@click.pass_obj
def report(obj: Context, since: str | None, until: str | None, date_field: str, country: tuple[str, ...],
           kind: tuple[str, ...], fmt: str) -> None:
    """The Secretariat's figures on the replies received.

    Member States that replied and those with a National Plan; sections by kind; programs, lessons
    learned and best practices per pillar and thematic area (a section counts under each of its
    pillars, plans are counted apart); a table per Member State; reviewed versus automatic tags.
    Reviewed tags are used over automatic ones. Replies with no known date are left out when
    --since/--until are given.

    Example:

        mispa report --since 2013 --until 2013 --format markdown
    """
    from report import render

    click.echo(render(_build(obj, since, until, date_field, country, kind), fmt), nl=False)


@cli.command()
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The Word file to write, e.g. compendium.docx")
@click.option("--pdf", "as_pdf", is_flag=True, help="Also convert it to PDF with LibreOffice (beside --out)")
@click.option("--timeout", default=300, type=click.IntRange(10), show_default=True,
              help="Seconds to allow LibreOffice for the PDF")
@report_filters
@click.pass_obj
def compendium(obj: Context, out: Path, as_pdf: bool, timeout: int, since: str | None, until: str | None,
               date_field: str, country: tuple[str, ...], kind: tuple[str, ...]) -> None:
    """Write the compendium of programs, lessons learned and best practices (.docx, optionally PDF).

    A title page, the statistics with a chart of sections per pillar by kind, a table of contents,
    then each practice, program and lesson under each of its pillars and thematic areas, in the
    reply's own language; untagged sections are listed apart. Exit status 1 when the PDF was
    asked for and could not be made (the .docx is written all the same).

    Example:

        mispa compendium --out compendio.docx --pdf --since 2013
    """
    from report.compendium import CompendiumError, convert_to_pdf, write_compendium

    if out.suffix.lower() != ".docx":
        raise click.UsageError(f"--out must name a .docx file, not {out.name}")
    built = _build(obj, since, until, date_field, country, kind)
    try:
        write_compendium(built, out)
    except CompendiumError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"wrote {out} ({len(built.entries)} sections)")
    if not as_pdf:
        return
    try:
        pdf = convert_to_pdf(out, timeout=timeout)
    except CompendiumError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"wrote {pdf}")
