"""Issue 6: the review queue, decisions and their audit log, the spreadsheet round trip, stats and
``mispa eval --reviewed``."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from classify.review import InvalidCode, make_decision, parse_codes, text_similarity
from ingest.catalog import Catalog, DocumentInfo, section_key
from ingest.model import Section, SectionKind, Status
from search_cli.cli import cli

CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "replies"
CONFLICT = "Bringing Private Security Guards under Effective Oversight"  # Jamaica lesson, flagged conflict
SCHOOLS = "Safe Schools Programme"
MEDIATION = "Community Mediation and Violence Interruption Programme"
INTEGRITY = "Integrity Testing and Financial Disclosure for Members of the Constabulary"
CONTROL = "Control a las empresas de vigilancia sin licencia"
PRISON_WORK = "Programa de Trabajo Penitenciario y Resocialización “Manos que Construyen”"


def run(data: Path, *args: str, code: int = 0, env: dict[str, str] | None = None):
    result = CliRunner(env=env).invoke(cli, ["--data-dir", str(data), *args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


def as_json(data: Path, *args: str):
    return json.loads(run(data, *args, "--format", "json").stdout)


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    base = tmp_path_factory.mktemp("review-unit-base")
    run(base, "ingest", str(CORPUS / "jam-2013-table.docx"), str(CORPUS / "col-2014-table.docx"))
    return base


@pytest.fixture
def data(ingested, tmp_path):
    d = tmp_path / "data"
    shutil.copytree(ingested, d)
    return d


@pytest.fixture
def ids(data):
    return {r["title"]: r["id"] for r in as_json(data, "export")}


def snapshot(data: Path) -> tuple:
    db = sqlite3.connect(data / "catalog.sqlite")
    return (db.execute("SELECT * FROM reviews ORDER BY key").fetchall(),
            db.execute("SELECT * FROM review_log ORDER BY id").fetchall(),
            [(r["id"], r["pillars"], r["themes"]) for r in as_json(data, "export")])


# --------------------------------------------------------------------------- codes and text


@pytest.mark.parametrize("values, expected", [
    (["2;4"], (["2", "4"], [])),
    (["2, 4"], (["2", "4"], [])),
    (["P2"], (["2"], [])),
    (["Pillar 2"], (["2"], [])),
    (["Pilar III y IV"], (["3", "4"], [])),
    (["2.4; 3.1"], ([], ["2.4", "3.1"])),
    ([2.0, 2.4], (["2"], ["2.4"])),
    (["", None], ([], [])),
])
def test_reviewers_spellings_are_read(values, expected):
    assert parse_codes(values) == expected


@pytest.mark.parametrize("value, message", [
    ("7", "unknown pillar '7'"), ("24", "unknown pillar '24'"), ("2.9", "unknown theme '2.9'"),
    ("Prevention", "unexpected 'prevention'"),
])
def test_bad_codes_are_refused_with_a_reason(value, message):
    with pytest.raises(InvalidCode, match=message):
        parse_codes([value])


def test_themes_must_sit_under_the_pillars_given():
    assert make_decision([], ["2.4", "3.1"]).pillars == ("2", "3")
    with pytest.raises(InvalidCode, match="theme 3.1 belongs to pillar 3"):
        make_decision(["2"], ["2.4", "3.1"])


def test_text_similarity_separates_edits_from_rewrites():
    text = " ".join(f"word{i}" for i in range(200))
    assert text_similarity(text, text.upper()) == 1.0
    assert text_similarity(text, text.replace("word50 ", "palabra50 ")) > 0.9
    assert text_similarity(text, " ".join(f"other{i}" for i in range(120)) + text[:600]) < 0.5


# --------------------------------------------------------------------------- catalog


def test_audit_log_is_append_only_in_sqlite(data, ids):
    run(data, "review", "accept", ids[CONFLICT], "--by", "ana")
    db = sqlite3.connect(data / "catalog.sqlite")
    for sql in ("UPDATE review_log SET reviewer = 'mallory'", "DELETE FROM review_log"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute(sql)
    assert db.execute("SELECT reviewer FROM review_log").fetchall() == [("ana",)]


def test_a_v1_catalog_is_upgraded_with_its_data(tmp_path):
    from ingest.catalog import _migrations, _run_script

    db = sqlite3.connect(tmp_path / "c.sqlite")
    _run_script(db, dict(_migrations())[1])
    db.execute("INSERT INTO documents (sha256, file_name, path, status, ingested_at) "
               "VALUES ('x', 'a.docx', '/a.docx', 'ok', 'now')")
    db.execute("PRAGMA user_version=1")
    db.commit()
    db.close()
    cat = Catalog(tmp_path / "c.sqlite")
    assert cat.db.execute("SELECT count(*) FROM reviews").fetchone()[0] == 0
    assert cat.db.execute("SELECT file_name FROM documents").fetchone()[0] == "a.docx"


def test_two_sections_with_one_title_in_a_reply_get_their_own_keys(tmp_path):
    cat = Catalog(tmp_path / "c.sqlite")
    info = DocumentInfo(sha256="ab" * 32, file_name="x.docx", path="/x.docx", format="docx", status=Status.OK,
                        member_state="Chile")
    sections = [Section(SectionKind.PROGRAM, "Programa Barrio Seguro", {}, f"texto {n}", ordinal=n,
                        member_state="Chile") for n in range(2)]
    first, second = cat.finish_document(info, sections)
    assert cat.key_of(first) == section_key("Chile", "program", "PROGRAMA  barrio seguro!")
    assert cat.key_of(second) == cat.key_of(first) + "#2"
    assert section_key("Perú", "lesson", "Política  Nacional") == "Perú|lesson|politica nacional"


# --------------------------------------------------------------------------- decisions


def test_set_accept_reject_and_history(data, ids):
    schools, mediation = ids[SCHOOLS], ids[MEDIATION]
    out = run(data, "review", "set", schools, mediation, "--pillar", "P2", "--pillar", "4", "--theme", "2.4",
              "--note", "both work with schools", "--by", "ana").output
    assert f"{schools}: pillars 2,4  themes 2.4  (set)" in out
    run(data, "review", "reject", mediation, "--pillar", "2", "--by", "bob")
    assert as_json(data, "show", mediation)["pillars"] == [4]
    assert as_json(data, "show", mediation)["themes"] == []  # 2.4 went with pillar 2
    run(data, "review", "accept", schools, "--by", "carla")
    log = as_json(data, "review", "history", mediation)
    assert [(e["action"], e["reviewer"]) for e in log] == [("set", "ana"), ("reject", "bob")]
    assert log[0]["before"]["source"] == "automatic" and log[0]["note"] == "both work with schools"
    assert log[1]["before"] == {"pillars": ["2", "4"], "themes": ["2.4"], "source": "reviewer"}
    assert log[1]["after"] == {"pillars": ["4"], "themes": []}
    assert all(e["at"] for e in log)
    assert "carla" in run(data, "review", "history", schools).output


@pytest.mark.parametrize("args", [
    ["set", "{id}", "--pillar", "7"], ["set", "{id}", "--theme", "2.9"], ["set", "{id}", "--pillar", "2.4"],
    ["set", "{id}", "--pillar", "2", "--theme", "3.1"], ["reject", "{id}", "--pillar", "six"],
])
def test_invalid_codes_are_refused_and_change_nothing(data, ids, args):
    before = snapshot(data)
    result = run(data, "review", *[a.format(id=ids[CONFLICT]) for a in args], code=2)
    assert "Invalid value" in result.output
    assert snapshot(data) == before


def test_one_unknown_id_or_absent_tag_refuses_the_whole_decision(data, ids):
    before = snapshot(data)
    result = run(data, "review", "accept", ids[CONFLICT], "nosuchid", code=1)
    assert "no section with id 'nosuchid'; nothing was changed" in result.output
    run(data, "review", "reject", ids[CONFLICT], "--pillar", "5", code=1)
    assert snapshot(data) == before


def test_reviewer_name_from_by_then_environment_then_os_user(data, ids, monkeypatch):
    monkeypatch.setattr("getpass.getuser", lambda: "osuser")
    sid = ids[CONFLICT]
    run(data, "review", "accept", sid, env={"MISPA_REVIEWER": ""})
    run(data, "review", "accept", sid, env={"MISPA_REVIEWER": "envuser"})
    run(data, "review", "accept", sid, "--by", "byuser", env={"MISPA_REVIEWER": "envuser"})
    assert [e["reviewer"] for e in as_json(data, "review", "history", sid)] == ["osuser", "envuser", "byuser"]


# --------------------------------------------------------------------------- queue and stats


def test_queue_orders_by_urgency_and_filters(data, ids):
    db = sqlite3.connect(data / "catalog.sqlite")
    untagged, low, changed = ids[SCHOOLS], ids[INTEGRITY], ids[CONTROL]
    db.execute("UPDATE sections SET flags = 'untagged' WHERE id = ?", (untagged,))
    db.execute("UPDATE sections SET flags = 'low_confidence' WHERE id = ?", (low,))
    db.commit()
    run(data, "review", "accept", changed, ids[PRISON_WORK])
    db.execute("UPDATE sections SET text = ? WHERE id = ?", ("Un texto del todo distinto " * 30, changed))
    db.commit()
    items = as_json(data, "review", "queue")
    first = ["conflict", "untagged", "low confidence", "changed since review"]
    assert [i["reasons"][0] for i in items[:4]] == first
    assert [i["id"] for i in items[1:4]] == [untagged, low, changed]
    assert {tuple(i["reasons"]) for i in items[4:]} == {("never reviewed",)}
    assert len(items) == 9  # ten sections, one reviewed and unchanged
    assert items[0]["tags"] and "evidence" in items[0]["tags"][0] and items[0]["evidence_summary"]
    colombia = as_json(data, "review", "queue", "--country", "colombia")
    assert {i["member_state"] for i in colombia} == {"Colombia"}
    assert {i["kind"] for i in as_json(data, "review", "queue", "--kind", "plan")} == {"plan"}
    assert all(5 in i["pillars"] for i in as_json(data, "review", "queue", "--pillar", "P5"))
    run(data, "review", "queue", "--pillar", "9", code=2)


def test_stats_by_member_state(data, ids):
    run(data, "review", "accept", ids[CONFLICT])
    stats = {s["member_state"]: s for s in as_json(data, "review", "stats")}
    assert stats["Jamaica"] == {"member_state": "Jamaica", "sections": 5, "reviewed": 1, "changed": 0,
                                "pending": 4}
    assert stats["Colombia"]["pending"] == 5
    assert "total" in run(data, "review", "stats").output


def test_eval_reviewed_scores_the_tagger_against_decisions(data, ids):
    run(data, "eval", code=2)
    empty = as_json(data, "eval", "--reviewed")
    assert empty["matched"] == 0
    run(data, "review", "accept", ids[CONFLICT])  # the tagger says 1 and 3: confirmed
    run(data, "review", "set", ids[SCHOOLS], "--pillar", "4")  # the tagger says 2
    ev = as_json(data, "eval", "--reviewed")
    assert ev["matched"] == 2 and len(ev["errors"]) == 1
    assert ev["pillars"]["3"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1,
                                  "tp": 1, "fp": 0, "fn": 0}
    assert ev["pillars"]["2"]["precision"] == 0.0 and ev["pillars"]["4"]["recall"] == 0.0
    assert (ev["pillars"]["2"]["fp"], ev["pillars"]["4"]["fn"]) == (1, 1)
    assert "matched 2 reviewed sections" in run(data, "eval", "--reviewed").output


# --------------------------------------------------------------------------- spreadsheet round trip


def fill_csv(text: str, decisions: dict[str, tuple[str, str, str]], delimiter: str = ",") -> str:
    rows = list(csv.DictReader(io.StringIO(text)))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), delimiter=delimiter)
    writer.writeheader()
    for row in rows:
        p, t, note = decisions.get(row["id"], ("", "", ""))
        writer.writerow({**row, "reviewer_pillars": p, "reviewer_themes": t, "reviewer_note": note})
    return buf.getvalue()


def test_csv_round_trip_with_reviewers_spellings(data, ids, tmp_path):
    exported = run(data, "review", "export", "--format", "csv").stdout
    assert exported.splitlines()[0].endswith("evidence,reviewer_pillars,reviewer_themes,reviewer_note")
    sheet = tmp_path / "review.csv"
    a, b, c, d = (ids[SCHOOLS], ids[CONFLICT],
                  ids[CONTROL],
                  ids[INTEGRITY])
    filled = fill_csv(exported, {a: ("2, 4", "2.4; 4.4", "ok by DPS"), b: ("ok", "", ""), c: ("P1", "", ""),
                                 d: ("none", "", "not a security practice")}, delimiter=";")
    sheet.write_text(filled, encoding="utf-8-sig")  # as Spanish-locale Excel saves it
    out = run(data, "review", "import", str(sheet), "--by", "ana").output
    assert "recorded 4 decisions; 6 rows without one left alone" in out
    shown = {i: as_json(data, "show", i) for i in (a, b, c, d)}
    assert (shown[a]["pillars"], shown[a]["themes"]) == ([2, 4], ["2.4", "4.4"])
    assert shown[b]["pillars"] == [1, 3] and shown[c]["pillars"] == [1] and shown[d]["pillars"] == []
    log = as_json(data, "review", "history", a)
    assert (log[0]["origin"], log[0]["note"], log[0]["reviewer"]) == ("import review.csv", "ok by DPS", "ana")


def test_xlsx_round_trip(data, ids, tmp_path):
    from openpyxl import load_workbook

    sheet = tmp_path / "review.xlsx"
    run(data, "review", "export", "--format", "xlsx", "-o", str(sheet), "--pending")
    run(data, "review", "export", "--format", "xlsx", code=2)
    wb = load_workbook(sheet)
    ws = wb.active
    header = [c.value for c in ws[1]]
    col = {name: header.index(name) + 1 for name in header}
    rows = {ws.cell(row=r, column=1).value: r for r in range(2, ws.max_row + 1)}
    assert len(rows) == 10 and ids[CONFLICT] in rows
    ws.cell(row=rows[ids[CONFLICT]], column=col["reviewer_pillars"]).value = 3  # typed as a number
    ws.cell(row=rows[ids[CONFLICT]], column=col["reviewer_themes"]).value = 3.1
    wb.save(sheet)
    assert "recorded 1 decisions" in run(data, "review", "import", str(sheet)).output
    assert as_json(data, "show", ids[CONFLICT])["themes"] == ["3.1"]
    assert ids[CONFLICT] not in {i["id"] for i in as_json(data, "review", "queue")}


def test_failed_import_changes_nothing(data, ids, tmp_path):
    run(data, "review", "set", ids[CONFLICT], "--pillar", "3", "--by", "ana")
    before = snapshot(data)
    index_before = as_json(data, "search", "", "--pillar", "3", "--limit", "50")["hits"]
    exported = run(data, "review", "export", "--format", "csv").stdout
    good, other = ids[SCHOOLS], ids[CONTROL]
    decisions = {good: ("2;4", "", ""), ids[CONFLICT]: ("9", "", ""), other: ("2", "3.1", "")}
    filled = fill_csv(exported, decisions)
    filled += f"nosuchid,,,,,,,,,,,2,,\n{good},,,,,,,,,,,4,,\n{ids[CONFLICT]},,,,,,,,,,,,,just a note\n"
    sheet = tmp_path / "bad.csv"
    sheet.write_text(filled, encoding="utf-8")
    result = run(data, "review", "import", str(sheet), "--by", "bob", code=1)
    assert "unknown pillar '9'" in result.stderr
    assert "theme 3.1 belongs to pillar 3" in result.stderr
    assert "unknown id 'nosuchid'" in result.stderr
    assert f"section {good} is already decided on row" in result.stderr
    assert "a note but no pillars or themes" in result.stderr
    assert "5 bad rows; nothing was changed" in result.output
    assert snapshot(data) == before
    assert as_json(data, "search", "", "--pillar", "3", "--limit", "50")["hits"] == index_before
    run(data, "review", "import", str(tmp_path / "missing.csv"), code=2)
    (tmp_path / "junk.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    assert "needs the columns" in run(data, "review", "import", str(tmp_path / "junk.csv"), code=1).output
    assert snapshot(data) == before


def test_every_review_command_has_help():
    from search_cli.cli import all_commands

    group = all_commands()["review"]
    assert set(group.commands) == {"queue", "accept", "set", "reject", "history", "export", "import", "stats"}
    for name, command in group.commands.items():
        assert command.help and "Example" in command.help, name
