"""Issue 6, point 3: reviewers' decisions survive re-classification, reindex, re-ingest of the same
file, a rebuild of the derived data and the ingest of a revised version of the reply, end to end
through the CLI on corpus files."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from search_cli.cli import cli

CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "replies"
JAMAICA = CORPUS / "jam-2013-table.docx"
SCHOOLS = "Safe Schools Programme"  # automatic: pillar 2, theme 2.5
MEDIATION = "Community Mediation and Violence Interruption Programme"  # automatic: pillars 2, 4


def run(data: Path, *args: str, code: int = 0):
    result = CliRunner().invoke(cli, ["--data-dir", str(data), *args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


def as_json(data: Path, *args: str):
    return json.loads(run(data, *args, "--format", "json").stdout)


def ids_by_title(data: Path, file_name: str | None = None) -> dict[str, str]:
    records = as_json(data, "export")
    return {r["title"]: r["id"] for r in records if file_name in (None, r["source_file"])}


def effective(data: Path, sid: str) -> tuple[list[int], list[str], set[str]]:
    record = as_json(data, "show", sid)
    return record["pillars"], record["themes"], {t["source"] for t in record["tags"]}


def indexed(data: Path, sid: str, query: str) -> dict:
    hits = as_json(data, "search", query, "--limit", "50")["hits"]
    return next(h for h in hits if h["id"] == sid)


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    base = tmp_path_factory.mktemp("review-base")
    run(base, "ingest", str(JAMAICA))
    return base


@pytest.fixture
def data(ingested, tmp_path):
    """A fresh copy of the ingested Jamaica reply, with two decisions recorded."""
    d = tmp_path / "data"
    shutil.copytree(ingested, d)
    ids = ids_by_title(d)
    run(d, "review", "set", ids[SCHOOLS], "--pillar", "2", "--pillar", "4", "--theme", "2.4", "--by", "ana")
    run(d, "review", "set", ids[MEDIATION], "--pillar", "4", "--theme", "4.4", "--by", "ana")
    return d


def assert_decisions_hold(data: Path, ids: dict[str, str]) -> None:
    assert effective(data, ids[SCHOOLS]) == ([2, 4], ["2.4"], {"reviewer"})
    assert effective(data, ids[MEDIATION]) == ([4], ["4.4"], {"reviewer"})
    hit = indexed(data, ids[SCHOOLS], "school")
    assert (hit["pillars"], hit["themes"]) == ([2, 4], ["2.4"])
    exported = {r["id"]: r for r in as_json(data, "export")}
    assert exported[ids[MEDIATION]]["pillars"] == [4]
    queued = {q["id"] for q in as_json(data, "review", "queue")}
    assert not queued & {ids[SCHOOLS], ids[MEDIATION]}


def test_decisions_reach_show_export_and_index(data):
    assert_decisions_hold(data, ids_by_title(data))


def test_reclassification_never_changes_decisions(data):
    ids = ids_by_title(data)
    db = sqlite3.connect(data / "catalog.sqlite")
    db.execute("DELETE FROM tags")  # so that classify has everything to redo
    db.commit()
    assert "tagged 5 sections" in run(data, "classify", "--all").output
    auto = db.execute("SELECT code FROM tags WHERE section_id = ? AND kind = 'pillar'",
                      (ids[SCHOOLS],)).fetchall()
    assert auto == [("2",)]  # the tagger still says 2 only; the reviewer's word wins
    assert_decisions_hold(data, ids)


def test_reindex_keeps_decisions(data):
    ids = ids_by_title(data)
    shutil.rmtree(data / "index")
    assert "indexed 5 sections" in run(data, "reindex").output
    assert_decisions_hold(data, ids)
    facets = as_json(data, "search", "", "--pillar", "4", "--limit", "50")
    assert ids[SCHOOLS] in {h["id"] for h in facets["hits"]}


def test_reingest_of_the_same_file_keeps_decisions(data):
    ids = ids_by_title(data)
    again = json.loads(run(data, "ingest", "--json", str(JAMAICA)).stdout)
    assert again["files"][0]["status"] == "duplicate"
    assert_decisions_hold(data, ids)
    # An interrupted run leaves the file "failed"; ingesting it again deletes and re-inserts its sections.
    db = sqlite3.connect(data / "catalog.sqlite")
    db.execute("UPDATE documents SET status = 'failed'")
    db.commit()
    redo = json.loads(run(data, "ingest", "--json", str(JAMAICA)).stdout)
    assert redo["files"][0]["status"] == "ok" and redo["files"][0]["sections"] == 5
    assert_decisions_hold(data, ids)


def test_rebuild_of_derived_data_keeps_decisions(data):
    ids = ids_by_title(data)
    db = sqlite3.connect(data / "catalog.sqlite")
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("DELETE FROM documents")  # sections and tags go with them
    db.commit()
    assert db.execute("SELECT count(*) FROM sections").fetchone()[0] == 0
    shutil.rmtree(data / "index")
    assert [e["action"] for e in as_json(data, "review", "history", ids[SCHOOLS])] == ["set"]
    run(data, "ingest", str(JAMAICA))
    run(data, "reindex")
    assert_decisions_hold(data, ids)
    (stats,) = as_json(data, "review", "stats")
    assert (stats["member_state"], stats["reviewed"], stats["pending"]) == ("Jamaica", 2, 3)


def revised_copy(dst: Path) -> Path:
    """The Jamaica reply, revised: same titles; the Safe Schools programme rewritten, the rest untouched."""
    import docx

    keep = {"", "PROGRAM", "Member State", "Responsible Institution", "Name of the program",
            "Corresponding MISPA pillar"}
    new_text = iter([
        "Parents, teachers and pupils of forty rural schools in St. Thomas and Clarendon.",
        ("A 2015 survey found that rural pupils walk long distances and leave school early; attendance "
         "fell below sixty per cent and literacy scores dropped in grades four to six."),
        # about citizen participation now (pillar 4), while the reply still declares pillar 2: a conflict
        ("Neighbourhood watch groups formed by parents along rural routes; community councils and "
         "parent-teacher associations trained to lead them; citizen participation in the parish security "
         "committee."),
        "Attendance registers and literacy tests compared with twenty schools that joined a year later.",
        "Attendance rose to eighty-two per cent and reading scores improved by eleven points.",
        "http://www.moe.gov.jm/rural-schools",
        "Funded by the Ministry with support from the Rural Development Agency until 2017.",
    ])
    doc = docx.Document(str(JAMAICA))
    (table,) = [t for t in doc.tables if any(c.text == SCHOOLS for r in t.rows for c in r.cells)]
    for row in table.rows:
        label, value = row.cells[0], row.cells[-1]
        if label.text not in keep and value.text.strip():
            value.text = next(new_text, "")
    doc.paragraphs[-1].add_run(" ")  # the rest of the file unchanged but for one space
    path = dst / "jam-2013-table-revised.docx"
    doc.save(str(path))
    return path


def test_revised_version_keeps_decisions_and_flags_changed_text(data, tmp_path):
    old = ids_by_title(data)
    revised = revised_copy(tmp_path)
    out = json.loads(run(data, "ingest", "--json", str(revised)).stdout)
    assert out["files"][0]["status"] == "ok" and out["files"][0]["sections"] == 5
    new = ids_by_title(data, revised.name)
    assert set(new) == set(old) and not set(new.values()) & set(old.values())
    # Both decisions carry over to the revised sections, through show, export and the index.
    assert effective(data, new[SCHOOLS]) == ([2, 4], ["2.4"], {"reviewer"})
    assert effective(data, new[MEDIATION]) == ([4], ["4.4"], {"reviewer"})
    assert indexed(data, new[SCHOOLS], "school")["pillars"] == [2, 4]
    assert indexed(data, new[MEDIATION], "mediation")["pillars"] == [4]
    # The rewritten section is back in the queue, marked; the unchanged one is not.
    queued = {q["id"]: q for q in as_json(data, "review", "queue")}
    assert queued[new[SCHOOLS]]["reasons"][-1] == "changed since review"
    assert queued[new[SCHOOLS]]["similarity"] < 0.8
    assert new[MEDIATION] not in queued and old[SCHOOLS] not in queued
    assert queued[new[SCHOOLS]]["reasons"][:2] == ["conflict", "changed since review"]
    table = run(data, "review", "queue", "--country", "Jamaica").output
    assert "conflict, change" in table  # the column is cut to fit the table's width
    (stats,) = as_json(data, "review", "stats")
    assert (stats["reviewed"], stats["changed"], stats["pending"]) == (1, 1, 3)
    # Confirming the revised text settles it; the log keeps both decisions.
    run(data, "review", "accept", new[SCHOOLS], "--by", "bob")
    assert new[SCHOOLS] not in {q["id"] for q in as_json(data, "review", "queue")}
    log = as_json(data, "review", "history", new[SCHOOLS])
    assert [(e["action"], e["reviewer"], e["section_id"]) for e in log] == [
        ("set", "ana", old[SCHOOLS]), ("accept", "bob", new[SCHOOLS])]
    assert log[1]["before"] == {"pillars": ["2", "4"], "themes": ["2.4"], "source": "reviewer"}
