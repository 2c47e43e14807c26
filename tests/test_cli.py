"""The mispa command through click's CliRunner: exit codes, JSON output, duplicates, export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from search_cli.cli import COMMAND_MODULES, all_commands, cli

CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "replies"


def run(*args: str, data: Path):
    return CliRunner().invoke(cli, ["--data-dir", str(data), *args], catch_exceptions=False)


def test_ingest_json_accounts_for_every_file_and_exits_1_on_failure(tmp_path):
    (tmp_path / "in").mkdir()
    good = tmp_path / "in" / "cri.docx"
    good.write_bytes((CORPUS / "cri-2013-table.docx").read_bytes())
    (tmp_path / "in" / "empty.pdf").write_bytes(b"")
    (tmp_path / "in" / "notes.xyz").write_bytes(b"\x00\x01\x02 unknown")
    result = run("ingest", "--json", str(tmp_path / "in"), data=tmp_path / "d")
    assert result.exit_code == 1
    out = json.loads(result.output)
    by_name = {Path(f["path"]).name: f for f in out["files"]}
    assert by_name["cri.docx"]["status"] == "ok" and by_name["cri.docx"]["sections"] == 5
    assert by_name["empty.pdf"]["status"] == "empty"
    assert by_name["notes.xyz"]["status"] == "unsupported" and by_name["notes.xyz"]["reason"]
    assert out["totals"]["files"] == 3


def test_reingest_is_a_duplicate_and_changes_nothing(tmp_path):
    path = str(CORPUS / "jam-2013-table.docx")
    first = json.loads(run("ingest", "--json", path, data=tmp_path).output)
    again = run("ingest", "--json", path, data=tmp_path)
    assert again.exit_code == 0
    (entry,) = json.loads(again.output)["files"]
    assert entry["status"] == "duplicate" and "already in the catalog" in entry["reason"]
    assert first["totals"]["sections"] == 5
    status = json.loads(run("status", "--format", "json", data=tmp_path).output)
    assert status["documents"] == {"ok": 1}


def test_export_jsonl_carries_fields_and_tags(tmp_path):
    run("ingest", str(CORPUS / "bra-2013-table.docx"), data=tmp_path)
    records = [json.loads(line) for line in run("export", data=tmp_path).output.splitlines()]
    assert {r["kind"] for r in records} == {"plan", "program", "lesson", "practice"}
    program = next(r for r in records if r["kind"] == "program")
    for key in ("id", "title", "member_state", "language", "institution", "declared_pillar", "pillars",
                "themes", "fields", "source_file", "pages"):
        assert key in program
    assert program["member_state"] == "Brazil" and program["language"] == "pt"
    assert program["pillars"] and all(isinstance(p, int) for p in program["pillars"])
    tagged = next(t for t in program["tags"] if t["source"] == "text" or t["evidence"])
    assert {"score", "source", "evidence"} <= tagged.keys()
    assert program["body"] == ""  # its text is in its fields
    csv_out = run("export", "--format", "csv", data=tmp_path).output
    assert csv_out.splitlines()[0].startswith("id,kind,title,member_state")


def test_a_section_written_as_prose_exports_and_shows_its_text(tmp_path):
    """A narrative reply's sections have no questionnaire fields: their text is the "body", which
    export and show carry (the tagger's evidence in field "body" points into it). A section with
    questionnaire fields has none (tests/test_cli.py::test_export_jsonl_carries_fields_and_tags)."""
    run("ingest", str(CORPUS / "arg-2018-narrative.docx"), data=tmp_path)
    records = [json.loads(line) for line in run("export", data=tmp_path).output.splitlines()]
    prose = [r for r in records if r["body"]]
    assert {r["kind"] for r in prose} == {"plan", "program", "lesson", "practice"}
    assert all(not set(r["fields"]) - {"member_state", "name"} for r in prose)  # no questionnaire field
    spans = [(r, e) for r in prose for t in r["tags"] for e in t["evidence"] if e["field"] == "body"]
    assert spans and all(r["body"][e["start"]:e["end"]] == e["term"] for r, e in spans)
    shown = run("show", prose[0]["id"], data=tmp_path).output
    assert "\nbody:\n  " + prose[0]["body"][:60] in shown
    header = run("export", "--format", "csv", data=tmp_path).output.splitlines()[0]
    assert header.endswith(",fields,body")


def test_a_malformed_taxonomy_stops_ingest_before_it_starts(tmp_path, monkeypatch):
    """A mistake in a term file would fail every file of the batch: ingest names the file and line
    and exits 2 before it opens a file or the catalog. mispa doctor names it too."""
    import shutil

    import classify.taxonomy as taxonomy

    broken = tmp_path / "taxonomy"
    shutil.copytree(taxonomy.TAXONOMY_DIR, broken)
    with open(broken / "terms.es.tsv", "a", encoding="utf-8") as f:
        f.write("2.4\tx.y\tbroken term\n")
    line = len((broken / "terms.es.tsv").read_text(encoding="utf-8").splitlines())
    monkeypatch.setattr(taxonomy, "TAXONOMY_DIR", broken)
    result = CliRunner().invoke(cli, ["--data-dir", str(tmp_path / "d"), "ingest", str(CORPUS / "cri-2013-table.docx")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output == (f"Error: a data file cannot be read: terms.es.tsv:{line}: bad weight 'x.y': not a "
                             "number\n  correct it in classify/taxonomy/ (see README.md there); nothing was changed\n")
    assert not (tmp_path / "d" / "catalog.sqlite").exists()
    doctor = json.loads(run("doctor", "--format", "json", data=tmp_path / "d").output)
    (finding,) = [c for c in doctor["checks"] if c["check"] == "taxonomy"]
    assert not finding["ok"] and finding["message"] == f"terms.es.tsv:{line}: bad weight 'x.y': not a number"


def test_a_malformed_ingest_data_file_stops_ingest_before_it_starts(tmp_path, monkeypatch):
    """The same for the files of ingest/data/: labels.toml with a broken table header."""
    import ingest.labels
    from ingest.datafiles import DATA_DIR, DataFileError, read_toml

    broken = tmp_path / "labels.toml"
    text = (DATA_DIR / "labels.toml").read_text(encoding="utf-8")
    broken.write_text(text + "\n[[oops\n", encoding="utf-8")
    line = len(text.splitlines()) + 2
    real = ingest.labels._label_table
    monkeypatch.setattr(ingest.labels, "_label_table", lambda: real.__wrapped__(broken))
    result = CliRunner().invoke(cli, ["--data-dir", str(tmp_path / "d"), "ingest", str(CORPUS / "cri-2013-table.docx")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output == ("Error: a data file cannot be read: labels.toml: Expected ']]' at the end of an array "
                             f"declaration (at line {line}, column 7)\n  correct it in ingest/data/; nothing was "
                             "changed\n")
    assert not (tmp_path / "d" / "catalog.sqlite").exists()
    doctor = json.loads(run("doctor", "--format", "json", data=tmp_path / "d").output)
    (finding,) = [c for c in doctor["checks"] if c["check"] == "data files"]
    assert not finding["ok"] and finding["message"].startswith("labels.toml: Expected ']]'")

    broken.write_text("[other]\nx = 1\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"^labels.toml: no 'fields' at its top level$"):
        read_toml(broken, "fields")


def test_a_heading_pattern_that_is_not_a_regular_expression_is_named(monkeypatch):
    import ingest.labels
    from ingest.datafiles import DataFileError, check

    headings = {**ingest.labels._headings(), "annex": {"patterns": ["^anexo\\b", "^(annex"]}}
    monkeypatch.setattr(ingest.labels, "_headings", lambda: headings)
    ingest.labels._patterns.cache_clear()
    try:
        with pytest.raises(DataFileError) as caught:
            check()
    finally:
        ingest.labels._patterns.cache_clear()
    assert str(caught.value) == ("headings.toml: the pattern '^(annex' is not a regular expression: missing ), "
                                 "unterminated subpattern at position 1")


def test_ingest_warns_when_a_configured_spacy_pipeline_is_not_installed(tmp_path, monkeypatch):
    from classify import pipelines

    monkeypatch.setattr(pipelines, "configured", lambda directory=None: {"es": "es_core_news_zz"})
    result = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "ingest", str(CORPUS / "cri-2013-table.docx")])
    assert result.exit_code == 0  # the blank pipeline tags meanwhile
    assert ("warning: es: es_core_news_zz is not installed; the blank pipeline reads es (see mispa doctor)"
            in result.stderr)


def test_data_dir_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("MISPA_DATA_DIR", str(tmp_path / "envdata"))
    result = CliRunner().invoke(cli, ["status"], catch_exceptions=False)
    assert result.exit_code == 0
    assert (tmp_path / "envdata" / "catalog.sqlite").exists()


def test_usage_error_exits_2(tmp_path):
    assert run("ingest", data=tmp_path).exit_code == 2
    assert run("ingest", str(tmp_path / "nope"), data=tmp_path).exit_code == 2


def test_every_command_has_help():
    for name, command in all_commands().items():
        assert command.help and command.help.strip(), name


def test_the_table_of_command_modules_names_every_command_where_it_is_defined() -> None:
    """Commands are imported lazily from the table: a command missing from it, or filed under
    the wrong module, would be unknown to `mispa` or load another module for nothing."""
    import importlib
    import pkgutil

    import search_cli

    for module in pkgutil.iter_modules(search_cli.__path__):
        if module.name.startswith("commands_"):
            importlib.import_module(f"search_cli.{module.name}")
    defined = {name: command.callback.__module__.rpartition(".")[2] for name, command in cli.commands.items()}
    assert defined == COMMAND_MODULES


def test_help_lists_every_command_and_search_loads_only_its_own_module(tmp_path) -> None:
    import subprocess
    import sys

    listed = run("--help", data=tmp_path).output
    assert all(f"  {name} " in listed for name in COMMAND_MODULES)
    code = ("import sys; from search_cli.cli import cli\n"
            "try:\n    cli(['--data-dir', sys.argv[1], 'search', 'violencia'])\n"
            "except SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('search_cli.commands_')))")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip().splitlines()[-1] == "['search_cli.commands_search']"


def test_every_commands_help_prints_its_examples_one_per_line() -> None:
    """click rewraps a docstring's paragraphs: two example lines without a \\b marker came out as
    one ("mispa ingest replies/2013/ --year 2013     mispa ingest --retry")."""
    import click

    def commands(group: click.Group, path: tuple[str, ...] = ()):
        for name, command in group.commands.items():
            yield (*path, name), command
            if isinstance(command, click.Group):
                yield from commands(command, (*path, name))

    all_commands()
    for path, command in commands(cli):
        text = CliRunner().invoke(cli, [*path, "--help"]).output
        for line in text.splitlines():
            assert line.count("mispa ") <= 1 or "&&" in line, f"mispa {' '.join(path)}: {line.strip()}"
