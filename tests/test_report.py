"""mispa report (issue 7): every figure of a small known catalog, in every format, with filters."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from click.testing import CliRunner
from report_catalog import AS_OF, EXPECTED, build, expected_themes

from classify.taxonomy import load_taxonomy
from ingest.catalog import Catalog
from report import Filters, ReportError, build_report, parse_date, render
from search_cli.cli import cli

TAXONOMY = load_taxonomy()
PILLAR_NAMES = {str(p): TAXONOMY.pillars[p].names["en"] for p in TAXONOMY.pillars}


@pytest.fixture()
def data_dir(tmp_path):
    catalog, _ = build(tmp_path / "catalog.sqlite")
    catalog.close()
    return tmp_path


@pytest.fixture()
def known(data_dir):
    with Catalog(data_dir / "catalog.sqlite") as catalog:
        yield build_report(catalog, as_of=AS_OF)


def run(data_dir, *args: str):
    return CliRunner().invoke(cli, ["--data-dir", str(data_dir), *args], catch_exceptions=False)


def expected_json() -> dict:
    keys = ("member_states", "member_state_list", "with_national_plan", "kinds", "pillars", "by_state",
            "review")
    return {**{k: EXPECTED[k] for k in keys}, "themes": expected_themes(TAXONOMY.area_codes())}


# ---------------------------------------------------------------------------- figures


def test_json_has_every_figure_of_the_known_catalog(known):
    data = json.loads(render(known, "json"))
    for key, value in expected_json().items():
        assert data[key] == value, key
    assert list(data["pillars"]) == ["1", "2", "3", "4", "5"]
    assert list(data["themes"]) == list(TAXONOMY.area_codes())
    assert [u["title"] for u in data["untagged"]] == EXPECTED["untagged"]
    assert data["as_of"] == "2016-01-31"
    assert known.multi_pillar == EXPECTED["multi_pillar"]


def test_reviewer_tags_win_over_automatic_ones(known):
    (delta,) = [e for e in known.entries if e.title == "Programme Delta"]
    assert (delta.pillars, delta.themes) == ((4,), ("4.1",))
    assert (delta.reviewed_tags, delta.automatic_tags) == (2, 0)
    assert known.themes["1.2"] == 0 and known.pillars["1"] == 1  # the overridden automatic tags


def test_text_reads_like_the_secretariats_paragraph(known):
    text = render(known, "text")
    assert ("As of 31 January 2016, a total of 4 Member States had submitted responses to the questionnaire: "
            "Brazil, Chile, Jamaica and Mexico.") in text
    assert ("the Secretariat notes that 2 Member States -- Chile and Jamaica -- specifically referenced the "
            "existence of a National Plan on Public Security, or its equivalent.") in text
    assert "made reference to 3 national programs, 2 lessons learned and 3 best practices." in text
    pillars = (f"1 was related to Pillar 1 – {PILLAR_NAMES['1']}; 4 to Pillar 2 – {PILLAR_NAMES['2']}; "
               f"3 to Pillar 3 – {PILLAR_NAMES['3']}; 2 to Pillar 4 – {PILLAR_NAMES['4']}; "
               f"and 1 to Pillar 5 – {PILLAR_NAMES['5']}.")
    assert f"Of those programs, lessons learned and best practices referenced, {pillars}" in text
    assert "3 of the 8 contributions received refer to more than one pillar" in text
    assert "1 contribution is not yet related to any pillar" in text
    assert "Of the 21 pillar and thematic-area tags" in text
    assert "2 (in 1 section) were reviewed by staff and 19 were assigned automatically." in text
    assert re.search(r"Untagged \(no pillar yet\):\n  \[\w{12}\] Chile · lesson · Lección Gamma", text)
    for code, n in expected_themes(TAXONOMY.area_codes()).items():
        assert re.search(rf"^  {re.escape(code)} .* {n}$", text, re.M), code
    for state, row in EXPECTED["by_state"].items():
        cells = [str(v) for v in [*row["kinds"].values(), *row["pillars"].values()]]
        assert re.search(rf"^  {state} +{' +'.join(cells)}$", text, re.M), state


def test_markdown_tables_hold_every_figure(known):
    md = render(known, "markdown")
    for kind, header in (("plan", "Plans"), ("program", "Programs"), ("lesson", "Lessons"),
                         ("practice", "Practices")):
        assert f"| {header} | {EXPECTED['kinds'][kind]} |" in md
    for p, n in EXPECTED["pillars"].items():
        assert f"| Pillar {p} – {PILLAR_NAMES[p]} | {n} |" in md
    assert "| Untagged | 1 |" in md
    for code, n in expected_themes(TAXONOMY.area_codes()).items():
        assert f"| {code} {TAXONOMY.areas[code].names['en']} | {n} |" in md
    for state, row in EXPECTED["by_state"].items():
        cells = " | ".join(str(v) for v in [*row["kinds"].values(), *row["pillars"].values()])
        assert f"| {state} | {cells} |" in md
    assert "a total of 4 Member States" in md and "2 (in 1 section) were reviewed by staff and 19" in md
    assert "| Chile | lesson | Lección Gamma |" in md


def test_csv_rows_hold_every_figure(known):
    rows = list(csv.DictReader(io.StringIO(render(known, "csv"))))
    got = {(r["figure"], r["member_state"], r["key"]): r["value"] for r in rows}
    want = {("member_states", "", ""): "4", ("with_national_plan", "", ""): "2", ("untagged", "", ""): "1"}
    want |= {("member_state_list", s, ""): "1" for s in EXPECTED["member_state_list"]}
    want |= {("with_national_plan", s, ""): "1" for s in EXPECTED["with_national_plan"]}
    for figure in ("kinds", "pillars", "review"):
        want |= {(figure, "", k): str(v) for k, v in EXPECTED[figure].items()}
    want |= {("themes", "", k): str(v) for k, v in expected_themes(TAXONOMY.area_codes()).items()}
    for state, row in EXPECTED["by_state"].items():
        for figure in ("kinds", "pillars"):
            want |= {(f"by_state.{figure}", state, k): str(v) for k, v in row[figure].items()}
    assert {k: v for k, v in got.items() if k[0] not in ("as_of",) and k[:2] != ("untagged", "Chile")} == want


# ---------------------------------------------------------------------------- filters


@pytest.mark.parametrize(("options", "states", "kinds"), [
    (["--since", "2014"], ["Brazil", "Jamaica"], {"plan": 1, "program": 2, "lesson": 1, "practice": 1}),
    (["--until", "2013-12"], ["Chile"], {"plan": 1, "program": 1, "lesson": 1, "practice": 1}),
    (["--since", "2014-05-01", "--until", "2014-05-01"], ["Jamaica"],
     {"plan": 1, "program": 1, "lesson": 0, "practice": 1}),
    (["--country", "CHL", "--country", "méxico"], ["Chile", "Mexico"],
     {"plan": 1, "program": 1, "lesson": 1, "practice": 2}),
    (["--kind", "practice"], ["Chile", "Jamaica", "Mexico"],
     {"plan": 0, "program": 0, "lesson": 0, "practice": 3}),
    (["--date-field", "ingested", "--since", "2000"], EXPECTED["member_state_list"], EXPECTED["kinds"]),
])
def test_filters(data_dir, options, states, kinds):
    result = run(data_dir, "report", "--format", "json", *options)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["member_state_list"], data["member_states"], data["kinds"]) == (states, len(states), kinds)


def test_kind_filter_counts_pillars_of_those_sections_only(data_dir):
    data = json.loads(run(data_dir, "report", "--format", "json", "--kind", "practice").output)
    assert data["pillars"] == {"1": 0, "2": 2, "3": 1, "4": 1, "5": 1}
    assert data["with_national_plan"] == []


def test_ingestion_date_filter_and_no_match_message(data_dir):
    result = run(data_dir, "report", "--date-field", "ingested", "--until", "2000-01-01")
    assert result.exit_code == 0
    assert result.output.startswith("No replies match these filters.")
    assert "Figures restricted to: ingestion date to 2000-01-01." in result.output


@pytest.mark.parametrize("options", [["--since", "yesterday"], ["--since", "2015", "--until", "2014"],
                                     ["--until", "2014-02-30"], ["--kind", "plans"]])
def test_bad_options_are_usage_errors(data_dir, options):
    assert run(data_dir, "report", *options).exit_code == 2


def test_parse_date_bounds():
    assert parse_date("2014").isoformat() == "2014-01-01"
    assert parse_date("2014", end=True).isoformat() == "2014-12-31"
    assert parse_date("2016-02", end=True).isoformat() == "2016-02-29"
    with pytest.raises(ReportError):
        Filters(date_field="received")


# ---------------------------------------------------------------------------- edge cases


def test_empty_catalog_says_no_replies_yet(tmp_path):
    result = run(tmp_path, "report")
    assert (result.exit_code, result.output) == (0, "No replies yet: the catalog holds no ingested replies "
                                                     "to the questionnaire.\n")
    data = json.loads(run(tmp_path, "report", "--format", "json").output)
    assert data["member_states"] == 0 and data["member_state_list"] == [] and data["by_state"] == {}
    assert set(data["pillars"].values()) == {0} and data["review"] == {"reviewed": 0, "automatic": 0}
    assert "No replies yet" in run(tmp_path, "report", "--format", "markdown").output
    assert run(tmp_path, "report", "--format", "csv").output.startswith("figure,member_state,key,value\n")


def test_report_on_the_corpus_adds_up(corpus_catalog):
    report = build_report(corpus_catalog)
    sections = corpus_catalog.db.execute("SELECT count(*) FROM sections").fetchone()[0]
    assert sum(report.kinds.values()) == sections
    assert sum(sum(r["kinds"].values()) for r in report.by_state.values()) == sections
    for pillar, n in report.pillars.items():
        assert sum(r["pillars"][pillar] for r in report.by_state.values()) == n
    assert report.member_states and set(report.with_national_plan) <= set(report.member_states)


def test_a_recorded_review_decision_is_what_the_report_counts(data_dir):
    review = pytest.importorskip("classify.review")
    if not hasattr(review, "decide") or not hasattr(review, "make_decision"):
        pytest.skip("the review API is not there yet")
    with Catalog(data_dir / "catalog.sqlite") as catalog:
        (alfa,) = [r["id"] for r in catalog.iter_sections() if r["title"] == "Programa Alfa"]
        review.decide(catalog, [alfa], "set", review.make_decision(["5"], ["5.2"]), reviewer="test")
        report = build_report(catalog, as_of=AS_OF)
    assert report.pillars == {**EXPECTED["pillars"], "2": EXPECTED["pillars"]["2"] - 1, "5": 2}
    assert report.themes["5.2"] == 1 and report.themes["2.4"] == 0
    assert report.review == {"reviewed": 4, "automatic": EXPECTED["review"]["automatic"] - 2}
