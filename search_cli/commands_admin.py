"""Commands that look after the data directory: backup, restore, doctor (and the ingest lock)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from .cli import Context, cli
from .output import format_option, table, to_json


def hold_ingest_lock(obj: Context) -> Any:
    """Take the data directory's ingest lock until the command ends; a second ingest waits, saying so."""
    from ingest.locking import IngestLock

    lock = IngestLock(obj.settings.data_dir, on_wait=lambda message: click.echo(message, err=True)).acquire()
    click.get_current_context().call_on_close(lock.release)
    if lock.recovered is not None:
        click.echo(f"note: the previous ingest ({lock.recovered.describe()}) did not finish; its files are "
                   "ingested again where needed and the search index is brought in step", err=True)
    return lock


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def backup(obj: Context, file: Path) -> None:
    """Write a consistent snapshot of the catalog (reviewer decisions included) to FILE.

    Safe while an ingest runs (SQLite's backup API). The search index is not included: it is
    rebuilt by `mispa restore`.

    Example:

        mispa backup backups/mispa-2024-05-01.zip
    """
    from ingest.backup import BackupError
    from ingest.backup import backup as make_backup

    try:
        summary = make_backup(obj.settings.data_dir, file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backed up {summary.documents} documents, {summary.sections} sections, "
               f"{summary.reviews} reviewer decisions ({summary.review_log} log entries) and "
               f"{summary.originals} kept original files to {file}")


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def restore(obj: Context, file: Path) -> None:
    """Restore a backup FILE into an empty data directory, then rebuild the search index.

    Example:

        mispa --data-dir /srv/mispa-data restore backups/mispa-2024-05-01.zip
    """
    from ingest.backup import BackupError
    from ingest.backup import restore as restore_backup

    from .wiring import refresh_index

    try:
        summary = restore_backup(file, obj.settings.data_dir)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    refresh_index(obj.catalog, obj.settings.index_dir, [])  # no index yet: built whole from the catalog
    click.echo(f"restored {summary.documents} documents, {summary.sections} sections and "
               f"{summary.reviews} reviewer decisions (backup of {summary.created}); search index rebuilt")


@cli.command()
@format_option("table", "json")
@click.pass_obj
def doctor(obj: Context, fmt: str) -> None:
    """Check the data directory and say how to fix each problem found.

    Checks the catalog (integrity, schema version, truthful statuses), the search index (in step
    with the catalog), stale locks, and the tools the readers need (LibreOffice, Tesseract,
    pdftoppm, qpdf). Exit status 1 when a problem is found.

    Example:

        mispa doctor --format json
    """
    from ingest.doctor import check_catalog, check_data_file, check_ingest_lock, check_tools, read_data_files

    settings = obj.settings
    findings = [*check_catalog(settings.catalog_path), *_index_findings(settings),
                check_ingest_lock(settings.data_dir), *check_tools(), _tagger_finding(),
                check_data_file("data files", read_data_files), check_data_file("taxonomy", _read_taxonomy),
                check_data_file("glossary", _read_glossary), _pipelines_finding()]
    problems = [f for f in findings if not f.ok]
    if fmt == "json":
        click.echo(to_json({"data_dir": str(settings.data_dir), "ok": not problems,
                            "checks": [f.as_dict() for f in findings]}))
    else:
        click.echo(table([(f.check, "ok" if f.ok else "PROBLEM", f.message) for f in findings],
                         ["check", "status", "found"]))
        for f in problems:
            click.echo(f"\n{f.check}: {f.message}\n  fix: {f.fix}")
        click.echo(f"\n{len(problems)} problem(s) found" if problems else "no problems found")
    if problems:
        sys.exit(1)


def _tagger_finding() -> Any:
    """Whether the tagger runs its two compiled modules: the matching (classify/_scan.pyx) and the
    work after it (classify/hits.py). A build older than an edit of either, or the scanner built
    for another spaCy, is a problem (tagging runs slower than it should); no compiler at install
    is not."""
    from classify import engine, hits
    from ingest.doctor import Finding

    after, matching = hits.status(), engine.scanner()
    stale = after == hits.STALE_BUILD or matching.outdated
    return Finding("tagger build", not stale, f"matching: {matching.reason}; after matching: {after}",
                   "pip install -e . (in mispa's virtual environment) rebuilds it" if stale else "")


def _read_taxonomy() -> str:
    """The taxonomy's counts (classify/taxonomy/); a mistake there stops every tagging."""
    from classify.taxonomy import load_taxonomy

    taxonomy = load_taxonomy()
    languages = ", ".join(taxonomy.languages)
    return f"{len(taxonomy.areas)} thematic areas, {len(taxonomy.terms)} terms in {languages}"


def _read_glossary() -> str:
    """The glossary's rows (index/data/glossary.tsv); a mistake there stops every translated search."""
    from index.translate import load_glossary

    return f"{len(load_glossary())} rows"


def _pipelines_finding() -> Any:
    """Which spaCy pipeline reads each language (classify/taxonomy/pipelines.toml): a configured one
    that cannot be used is a problem (the blank one reads that language meanwhile)."""
    from classify import pipelines
    from classify.taxonomy import TaxonomyError
    from ingest.doctor import Finding

    fix = ("install it into mispa's virtual environment, or remove its line from "
           "classify/taxonomy/pipelines.toml")
    try:
        names = pipelines.configured()
    except TaxonomyError as exc:
        return Finding("spaCy pipelines", False, str(exc), "correct classify/taxonomy/pipelines.toml")
    if not names:
        return Finding("spaCy pipelines", True, "blank + lookup lemmas for every language (none configured)")
    choices = [pipelines.choose(lang) for lang in sorted(names)]
    unusable = [c for c in choices if not c.ok]
    return Finding("spaCy pipelines", not unusable, "; ".join(f"{c.lang}: {c.reason}" for c in choices),
                   fix if unusable else "")


def _index_findings(settings: Any) -> list[Any]:
    """The index's own state, and whether it holds exactly the sections of the catalog's ok documents."""
    import index
    from index.inventory import indexed_ids
    from ingest.doctor import Finding, ok_section_ids

    status = index.index_status(settings.index_dir)
    fix = "run `mispa reindex` to rebuild it from the catalog"
    if status.state == index.IndexState.STALE_LOCK:
        return [Finding("index lock", False, status.message or "a crashed index writer left its lock",
                        "nothing to do: the next index write recovers it (or run `mispa reindex`)")]
    if status.state not in (index.IndexState.OK, index.IndexState.LOCKED):
        return [Finding("index", False, status.message or f"index {status.state.value}", fix)]
    if not settings.catalog_path.is_file():
        return [Finding("index", True, f"{status.doc_count} sections indexed (no catalog to compare)")]
    try:
        indexed, expected = indexed_ids(settings.index_dir), ok_section_ids(settings.catalog_path)
    except Exception as exc:  # a damaged index or catalog is reported by its own check
        return [Finding("index in step", False, f"cannot compare the index with the catalog ({exc})", fix)]
    missing, extra = expected - indexed, indexed - expected
    if not missing and not extra:
        return [Finding("index in step", True, f"the index holds the catalog's {len(expected)} sections")]
    return [Finding("index in step", False, f"{len(missing)} catalog sections missing from the index, "
                    f"{len(extra)} indexed sections not in the catalog", fix)]
