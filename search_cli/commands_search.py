"""Commands over the search index: search, reindex, show, similar. None imports spaCy or pdfplumber."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import click

from .cli import Context, cli
from .options import member_state_names
from .output import BadInput, format_option, table, to_csv, to_json

_KINDS = click.Choice(["plan", "program", "lesson", "practice"])
HIT_COLUMNS = ("id", "title", "member_state", "kind", "language", "pillars", "themes", "score", "snippet")


def _themes(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    """--theme values checked against the taxonomy's area codes."""
    if not values:
        return values
    from classify.taxonomy import area_codes

    codes = area_codes()
    for value in values:
        if value.strip() not in codes:
            raise click.BadParameter(f"{value!r} is not a thematic area; use one of {', '.join(codes)}")
    return tuple(v.strip() for v in values)


_FILTER_OPTIONS = (
    click.option("--pillar", multiple=True, type=click.IntRange(1, 5), help="Only this pillar (repeatable)"),
    click.option("--theme", multiple=True, callback=_themes,
                 help="Only this thematic area, e.g. 2.4 (repeatable)"),
    click.option("--country", multiple=True, callback=member_state_names,
                 help="Only this Member State, named in any of the four languages (repeatable)"),
    click.option("--kind", multiple=True, type=_KINDS, help="Only this kind (repeatable)"),
    click.option("--language", multiple=True, type=click.Choice(["es", "en", "pt", "fr"])),
    click.option("--year", multiple=True, type=int),
)


def filter_options(command: Any) -> Any:
    """--pillar, --theme, --country, --kind, --language and --year, as search and similar take them."""
    for option in reversed(_FILTER_OPTIONS):
        command = option(command)
    return command


def _filters(pillar: tuple[int, ...], theme: tuple[str, ...], country: tuple[str, ...], kind: tuple[str, ...],
             language: tuple[str, ...], year: tuple[int, ...]) -> dict[str, Any]:
    """The filters given, as index.search and index.similar take them."""
    return {k: list(v) for k, v in (("pillar", pillar), ("theme", theme), ("member_state", country),
                                    ("kind", kind), ("language", language), ("year", year)) if v}


@cli.command()
@click.argument("query", required=False, default="")
@filter_options
@click.option("--page", default=1, type=click.IntRange(1), show_default=True)
@click.option("--limit", default=10, type=click.IntRange(1, 100), show_default=True)
@click.option("--sort", type=click.Choice(["relevance", "country", "date"]), default="relevance", show_default=True)
@click.option("--no-translate", is_flag=True, help="Search only the query's own words, in no other language")
@format_option("table", "json", "csv")
@click.pass_obj
def search(obj: Context, query: str, pillar: tuple[int, ...], theme: tuple[str, ...], country: tuple[str, ...],
           kind: tuple[str, ...], language: tuple[str, ...], year: tuple[int, ...], page: int, limit: int,
           sort: str, no_translate: bool, fmt: str) -> None:
    """Full-text search over sections, across languages, with facet counts.

    Whoosh query syntax works: AND, OR, NOT, "phrases", field:value.

    Example:

        mispa search "youth at risk" --pillar 2 --country Chile
    """
    import index

    filters = _filters(pillar, theme, country, kind, language, year)
    try:
        result = index.search(obj.settings.index_dir, query, filters, page=page, limit=limit, sort=sort,
                              translate=not no_translate)
    except (index.QuerySyntaxError, index.InvalidFilterError) as exc:
        raise BadInput(str(exc)) from exc
    except index.SearchIndexError as exc:
        raise click.ClickException(str(exc)) from exc
    hits = [{k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(h).items()} for h in result.hits]
    if fmt == "json":
        click.echo(to_json({"query": result.query, "total": result.total, "page": result.page,
                            "hits": [{**{k: h[k] for k in HIT_COLUMNS}, "ocr": h["ocr"]} for h in hits],
                            "facets": {k: result.facets.get(k, {}) for k in
                                       ("pillar", "theme", "member_state", "kind", "language", "year")},
                            "suggestion": result.suggestion, "expanded_query": result.expanded_query}))
        return
    if fmt == "csv":
        click.echo(to_csv(hits, HIT_COLUMNS), nl=False)
        return
    pages = result.pages
    of_pages = f" of {pages}" if pages else ""
    click.echo(f"{result.total} sections match {query!r} (page {result.page}{of_pages})")
    if pages and result.page > pages:
        click.echo(f"Page {result.page} is past the end: {pages} pages of {result.limit} hits;"
                   f" the last is --page {pages}.")
    if result.suggestion:
        click.echo(f"Did you mean: {result.suggestion}?")
    for h in hits:
        pillars = ",".join(str(p) for p in h["pillars"]) or "-"
        click.echo(f"\n[{h['id']}] {h['title']}\n  {h['member_state']} · {h['kind']} · {h['language']}"
                   f" · pillars {pillars} · themes {','.join(h['themes']) or '-'}"
                   + (" · OCR'd text" if h["ocr"] else ""))
        click.echo("  " + " ".join(h["snippet"].split())[:300])
    for name in ("pillar", "theme", "member_state", "kind", "language", "year"):
        counts = result.facets.get(name, {})
        if counts:
            click.echo(f"\n{name}: " + ", ".join(f"{k} ({v})" for k, v in counts.items()), nl=False)
    click.echo()


@cli.command()
@click.pass_obj
def reindex(obj: Context) -> None:
    """Rebuild the search index from the catalog (into a new directory, then swapped in).

    Example:

        mispa reindex
    """
    import index

    from .wiring import records

    from index.vocabulary import ensure_cached

    try:
        report = index.build_index(records(obj.catalog), obj.settings.index_dir)
    except index.SearchIndexError as exc:
        raise click.ClickException(str(exc)) from exc
    ensure_cached(obj.settings.index_dir)  # the next search starts without re-reading the taxonomy
    click.echo(f"indexed {report.added} sections")


@cli.command()
@click.argument("section_id")
@format_option("text", "json", default="text")
@click.pass_obj
def show(obj: Context, section_id: str, fmt: str) -> None:
    """Every field of a section, its tags with score, source and evidence, and its provenance.

    Example:

        mispa show 3f2a9c1e0b7d
    """
    from .records import export_record

    row = obj.catalog.get_section(section_id)
    if row is None:
        raise click.ClickException(f"no section with id {section_id!r}")
    record = export_record(row, obj.catalog.tags_for(section_id))
    if fmt == "json":
        click.echo(to_json(record))
        return
    click.echo(f"{record['title']}\n{record['kind']} · {record['member_state']} · {record['language']}")
    click.echo(f"source: {record['source_path']}" + (f", pages {record['pages']}" if record["pages"] else ""))
    for key in ("institution", "contact_person", "job_title", "phone", "email", "declared_pillar"):
        if record[key]:
            click.echo(f"{key}: {record[key]}")
    for name, value in record["fields"].items():
        click.echo(f"\n{name}:\n  {value}")
    if record["body"]:
        click.echo(f"\nbody:\n  {record['body']}")
    click.echo("\ntags:")
    for t in record["tags"]:
        terms = ", ".join(f"{e['term']} ({e['field']} {e['start']}-{e['end']})" for e in t["evidence"][:6])
        click.echo(f"  {t['kind']} {t['code']}  score {t['score']}  {t['source']}  {terms}")
    if record["flags"]:
        click.echo("flags: " + ", ".join(record["flags"]))


@cli.command()
@click.argument("section_id")
@filter_options
@click.option("--other-states", is_flag=True, help="Only sections of other Member States than this one's")
@click.option("--limit", default=5, type=click.IntRange(1, 50), show_default=True)
@format_option("table", "json")
@click.pass_obj
def similar(obj: Context, section_id: str, pillar: tuple[int, ...], theme: tuple[str, ...],
            country: tuple[str, ...], kind: tuple[str, ...], language: tuple[str, ...], year: tuple[int, ...],
            other_states: bool, limit: int, fmt: str) -> None:
    """Sections most like the given one, in any language: those sharing its distinctive words (or
    their translations), and those about the same thematic areas. The filters are search's.

    Example:

    \b
        mispa similar 3f2a9c1e0b7d --kind practice --language en --limit 5
        mispa similar 3f2a9c1e0b7d --other-states     # what other Member States do like it
    """
    import index

    try:
        hits = index.similar(obj.settings.index_dir, section_id, limit,
                             _filters(pillar, theme, country, kind, language, year), other_states)
    except index.InvalidFilterError as exc:
        raise BadInput(str(exc)) from exc
    except index.SearchIndexError as exc:
        raise click.ClickException(str(exc)) from exc
    if fmt == "json":
        click.echo(to_json([{k: getattr(h, k) for k in HIT_COLUMNS} for h in hits]))
    else:
        rows = [(h.id, h.member_state, h.kind, h.language, ",".join(h.themes), h.title) for h in hits]
        click.echo(table(rows, ["id", "state", "kind", "lang", "themes", "title"]))
