"""Commands over the catalog: ingest, export, status."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from .cli import EXPORT_COLUMNS, Context, cli
from .options import member_state_names
from .output import format_option, table, to_csv, to_json
from .records import export_record


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--country", help="Member State for files that do not say which", callback=member_state_names)
@click.option("--year", type=click.IntRange(1990, 2100), help="Year for files that carry no date")
@click.option("--retry", is_flag=True, help="Try again files recorded as needing a password, OCR or a "
              "converter (without PATHS: every such file the catalog knows)")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table")
@click.pass_obj
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Files read at once, each in its own process [default: the number of cores]")
@click.option("--time-limit", type=click.FloatRange(min=1), default=60.0, show_default=True,
              help="Seconds one file may take to read before it is given up as timed_out")
@click.option("--memory-limit", type=click.IntRange(min=64), default=1024, show_default=True,
              help="MiB of memory one file may take to read before it is refused as too_large")
def ingest(obj: Context, paths: tuple[Path, ...], country: str | None, year: int | None, retry: bool,
           as_json: bool, workers: int | None, time_limit: float, memory_limit: int) -> None:
    """Ingest reply files and folders (recursively) into the catalog.

    E-mail messages (.eml, .msg), mailboxes (.mbox) and zip archives are expanded: each attachment
    or member is ingested and linked to its message. Exit status: 0 when every file was ingested
    (or already was), 1 when some failed or were refused.

    Example:

    \b
        mispa ingest replies/2013/ --year 2013
        mispa ingest --retry
    """
    from ingest.pipeline import IngestOptions, count_units, ingest_paths, iter_files
    from ingest.sources import retry_paths

    from .wiring import make_tagger, refresh_index

    if not paths and not retry:
        raise click.UsageError("give files or folders to ingest (or --retry)")
    from ingest.datafiles import check as check_data_files

    check_data_files()  # a mistake there would fail every file of the batch: stop before it starts
    tagger = make_tagger(warn=lambda line: click.echo(f"warning: {line}", err=True))
    from .commands_admin import hold_ingest_lock
    lock = hold_ingest_lock(obj)  # one ingest at a time; a second one waits, saying so
    from ingest.workers import default_workers

    options = IngestOptions(country=country, year=year, retry=retry, time_limit=time_limit,
                            memory_limit=memory_limit << 20, workers=workers or default_workers())
    files = list(iter_files(paths or retry_paths(obj.catalog)))
    show_bar = not as_json and sys.stderr.isatty()
    with click.progressbar(length=count_units(files), label="Ingesting", file=sys.stderr,
                           hidden=not show_bar) as bar:
        def progress(outcome: Any) -> None:
            bar.update(1 if outcome.unit else 0)
            if not as_json and outcome.status not in ("ok", "duplicate"):
                click.echo(f"{outcome.path}: {outcome.status}: {outcome.reason}", err=True)

        report = ingest_paths(files, obj.catalog, options, tagger=tagger, progress=progress)
    new_ids = [i for f in report.files for i in f.section_ids]
    if lock.recovered is not None:  # the last ingest was killed: the index may lack what it committed
        new_ids = [r["id"] for r in obj.catalog.iter_sections()]
    try:
        refresh_index(obj.catalog, obj.settings.index_dir, new_ids)
    except Exception as exc:  # the catalog holds everything; the index can be rebuilt
        click.echo(f"warning: search index not updated ({exc}); run `mispa reindex`", err=True)
    if as_json:
        click.echo(to_json({"files": [{"path": f.path, "status": str(f.status), "reason": f.reason,
                                       "sections": f.sections} for f in report.files],
                            "totals": report.totals()}))
    else:
        rows = [(f.path, f.status, f.sections, f.reason) for f in report.files]
        click.echo(table(rows, ["file", "status", "sections", "reason"]))
        click.echo(" ".join(f"{k}={v}" for k, v in report.totals().items()))
    if report.failed:
        sys.exit(1)


@cli.command()
@format_option("jsonl", "csv", "json", default="jsonl")
@click.option("--country", help="Only this Member State", callback=member_state_names)
@click.option("--kind", type=click.Choice(["plan", "program", "lesson", "practice"]))
@click.pass_obj
def export(obj: Context, fmt: str, country: str | None, kind: str | None) -> None:
    """Export one record per section, with its fields and tags.

    Example:

        mispa export --format csv > sections.csv
    """
    where, params = [], []
    if country:
        where.append("s.member_state = ?")
        params.append(country)
    if kind:
        where.append("s.kind = ?")
        params.append(kind)
    records = [export_record(r, obj.catalog.tags_for(r["id"]))
               for r in obj.catalog.iter_sections(" AND ".join(where), tuple(params))]
    if fmt == "csv":
        click.echo(to_csv(records, [*EXPORT_COLUMNS, "fields", "body"]), nl=False)
    elif fmt == "json":
        click.echo(to_json(records))
    else:
        for r in records:
            click.echo(json.dumps(r, ensure_ascii=False))


@cli.command()
@format_option("table", "json")
@click.pass_obj
def status(obj: Context, fmt: str) -> None:
    """Documents by status, sections by kind and by Member State; messages, mailboxes and archives
    with the outcome of every attachment and member (ingested, duplicate, refused with a reason).

    Example:

        mispa status --format json
    """
    db = obj.catalog.db
    docs = {r[0]: r[1] for r in db.execute("SELECT status, count(*) FROM documents GROUP BY status")}
    kinds = {r[0]: r[1] for r in db.execute(
        "SELECT s.kind, count(*) FROM sections s JOIN documents d ON d.id = s.document_id "
        "WHERE d.status = 'ok' GROUP BY s.kind")}
    states: dict[str, dict[str, int]] = {}
    for state, kind, n in db.execute(
            "SELECT coalesce(s.member_state, '(unknown)'), s.kind, count(*) FROM sections s "
            "JOIN documents d ON d.id = s.document_id WHERE d.status = 'ok' GROUP BY 1, 2 ORDER BY 1"):
        states.setdefault(state, {})[kind] = n
    problems = [{"file": r["file_name"], "status": r["status"], "reason": r["reason"]}
                for r in db.execute("SELECT * FROM documents WHERE status != 'ok' AND source_id IS NULL "
                                    "ORDER BY id")]
    from ingest.sources import summary  # attachments and members: listed under their container
    mail = summary(obj.catalog)
    problems += mail["problems"]
    if fmt == "json":
        click.echo(to_json({"documents": docs, "sections": kinds, "member_states": states,
                            "sources": mail["sources"], "contents": mail["contents"], "problems": problems}))
        return
    click.echo("Documents: " + (", ".join(f"{k} {v}" for k, v in sorted(docs.items())) or "none"))
    click.echo("Sections:  " + (", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) or "none"))
    for title, groups in (("Sources:   ", mail["sources"]), ("Contents:  ", mail["contents"])):
        if groups:
            click.echo(title + "; ".join(f"{k} {sum(c.values())} (" + ", ".join(
                f"{s} {n}" for s, n in sorted(c.items())) + ")" for k, c in sorted(groups.items())))
    if states:
        kinds_order = ["plan", "program", "lesson", "practice"]
        rows = [(s, *(c.get(k, 0) for k in kinds_order), sum(c.values())) for s, c in states.items()]
        click.echo(table(rows, ["member state", *kinds_order, "total"]))
    for p in problems:
        click.echo(f"{p['file']}: {p['status']}: {p['reason']}")
