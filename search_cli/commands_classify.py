"""Commands over tags: classify, eval."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .cli import Context, cli
from .output import format_option, table, to_json


@cli.command("classify")
@click.option("--all", "everything", is_flag=True, help="Re-tag every section, not only untagged ones")
@click.pass_obj
def classify_cmd(obj: Context, everything: bool) -> None:
    """Tag sections with pillars and thematic areas (reviewer tags are never changed).

    Example:

        mispa classify --all
    """
    from classify.tagging import classify_row, with_topics

    catalog = obj.catalog
    where = "" if everything else "s.id NOT IN (SELECT section_id FROM tags)"
    n = 0
    for row in list(catalog.iter_sections(where)):
        result = classify_row(row)
        catalog.replace_tags(row["id"], with_topics(result), ",".join(result.flags))
        n += 1
    click.echo(f"tagged {n} sections")


@cli.command("eval")
@click.argument("gold", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--reviewed", is_flag=True, help="Score against the reviewers' decisions, not a gold file")
@click.option("--split", type=click.Choice(["all", "tune", "heldout"]), default="all", show_default=True,
              help="Which part of the gold file to score")
@click.option("--ignore-declared", is_flag=True, help="Decide without the reply's declared pillar field")
@click.option("--file", "files", multiple=True, metavar="TEXT",
              help="Only the gold sections of replies whose file name or source id holds TEXT (repeatable), "
                   "e.g. a new batch's ids (a reply inside a mailbox by its own id)")
@format_option("table", "json")
@click.pass_obj
def eval_cmd(obj: Context, gold: Path | None, reviewed: bool, split: str, ignore_declared: bool,
             files: tuple[str, ...], fmt: str) -> None:
    """Score the tagger against gold labels: precision, recall and F1 per pillar and theme.

    Gold sections are matched to catalog sections by member state, kind and title. With --reviewed,
    the reviewers' decisions are the gold (sections changed since review are left out).

    Example:

    \b
        mispa eval corpus/gold.jsonl --split heldout --ignore-declared
        mispa eval corpus/gold.jsonl --file gtm-2021 --file pan-2019   # a new batch, before tuning on it
        mispa eval --reviewed
    """
    from classify import pipelines
    from classify.evaluate import GoldError, evaluate, load_gold, match_gold
    from classify.taxonomy import languages
    from classify.tagging import classify_row

    if (gold is None) == (not reviewed):
        raise click.UsageError("give either a GOLD file or --reviewed")
    if reviewed and files:
        raise click.UsageError("--file selects gold sections: give a GOLD file")
    if reviewed:
        from classify.review import reviewed_pairs
        pairs, missing = reviewed_pairs(obj.catalog)
    else:
        try:
            gold_sections = load_gold(gold, split)
        except GoldError as exc:
            raise click.BadParameter(str(exc), param_hint="GOLD") from exc
        wanted = [g for g in gold_sections
                  if not files or any(f in g.get("file", "") or f in g.get("source", "") for f in files)]
        if files and not wanted:
            raise click.UsageError(f"no gold section of a file named like {', '.join(files)}")
        pairs, missing = match_gold(wanted, obj.catalog.iter_sections())

    def predict(row):  # type: ignore[no-untyped-def]
        result = classify_row(row, use_declared=not ignore_declared)
        return result.pillars, result.themes

    ev = evaluate(pairs, predict)
    ev.unmatched = missing
    # which spaCy pipeline read each language (classify/taxonomy/pipelines.toml): part of what was measured
    choices = [pipelines.choose(lang) for lang in languages()]
    if fmt == "json":
        click.echo(to_json({**ev.to_dict(), "pipelines": {c.lang: c.reason for c in choices}}))
    else:
        rows = [(f"pillar {k}", f"{s.precision:.2f}", f"{s.recall:.2f}", f"{s.f1:.2f}", s.support)
                for k, s in ev.pillars.items()]
        rows += [(f"theme {k}", f"{s.precision:.2f}", f"{s.recall:.2f}", f"{s.f1:.2f}", s.support)
                 for k, s in ev.themes.items()]
        for avg, d in (("micro", ev.micro), ("macro", ev.macro)):
            rows += [(f"{avg} {k}", f"{s.precision:.2f}", f"{s.recall:.2f}", f"{s.f1:.2f}", s.support)
                     for k, s in d.items()]
        click.echo(table(rows, ["label", "precision", "recall", "F1", "support"]))
        ci = ev.interval()
        if ci["replies"]:
            replies = f"{ci['replies']} repl{'y' if ci['replies'] == 1 else 'ies'}"
            click.echo(f"micro F1, {ci['level']:.0%} interval over {ci['resamples']:,} resamples of the "
                       f"{replies}: pillar {ci['pillar'][0]:.2f}-{ci['pillar'][1]:.2f}, "
                       f"theme {ci['theme'][0]:.2f}-{ci['theme'][1]:.2f}")
        what, gone = ("reviewed", "left out") if reviewed else ("gold", "not in catalog")
        click.echo(f"matched {ev.matched} {what} sections; {len(missing)} {gone}; "
                   f"{len(ev.errors)} tagged differently")
        configured = "; ".join(f"{c.lang} {c.reason}" for c in sorted(choices, key=lambda c: c.lang)
                               if c.configured)
        click.echo(f"spaCy: {configured or 'blank + lookup lemmas for every language'}")
        for e in ev.errors:
            click.echo(f"  {e['member_state']}: {e['title'][:60]}: pillars {e['pillars']} (gold {e['gold_pillars']}),"
                       f" themes {e['themes']} (gold {e['gold_themes']})")
        for m in missing:
            click.echo(f"  {gone}: {m}")
    if missing and not reviewed:
        sys.exit(1)
