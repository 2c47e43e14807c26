"""Search through the CLI on the ingested corpus: cross-language, facets, filters, errors, cold start."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from search_cli.cli import cli

CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "replies"


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("search-data")
    result = CliRunner().invoke(cli, ["--data-dir", str(d), "ingest", str(CORPUS)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    # the ingest left the search vocabulary cached: the first search does not re-read the taxonomy
    assert len(list((d / "index" / "vocabulary").glob("*.pickle"))) == 1
    return d


def search(data, *args):
    result = CliRunner().invoke(cli, ["--data-dir", str(data), "search", *args, "--format", "json"],
                                catch_exceptions=False)
    return result, (json.loads(result.output) if result.exit_code == 0 else None)


def test_english_query_finds_other_languages(data):
    _, out = search(data, "domestic violence", "--limit", "20")
    assert {"es", "fr"} <= set(out["facets"]["language"])
    assert sum(out["facets"]["kind"].values()) >= out["total"]
    _, plain = search(data, "domestic violence", "--limit", "20", "--no-translate")
    assert plain["total"] < out["total"]
    # what the query became: its translations, the area it names, and that area's pillar
    assert "violencia doméstica" in out["expanded_query"] and "topics:2.4" in out["expanded_query"]
    assert "pillars:2" in out["expanded_query"] and "topics:" not in plain["expanded_query"]


def test_filters_and_facets(data):
    _, out = search(data, "policía", "--pillar", "3", "--language", "es")
    assert out["total"] > 0
    assert all(3 in h["pillars"] and h["language"] == "es" for h in out["hits"])
    assert set(out["facets"]["language"]) == {"es"}


def test_the_table_says_which_page_of_how_many_and_a_page_past_the_end_names_the_last(data):
    _, out = search(data, "violence", "--limit", "7")
    pages = -(-out["total"] // 7)
    run = CliRunner().invoke(cli, ["--data-dir", str(data), "search", "violence", "--limit", "7"])
    assert run.output.splitlines()[0] == f"{out['total']} sections match 'violence' (page 1 of {pages})"
    past = CliRunner().invoke(cli, ["--data-dir", str(data), "search", "violence", "--limit", "7",
                                    "--page", str(pages + 1)])
    assert past.exit_code == 0 and "[" not in past.output.split("pillar:")[0]  # no hit listed
    assert f"the last is --page {pages}." in past.output.splitlines()[1]


def test_bad_query_is_a_one_line_usage_error(data):
    result, _ = search(data, "(violencia AND")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output


def test_a_country_is_named_in_any_language_and_an_unknown_one_is_refused(data):
    _, english = search(data, "violencia", "--country", "Brazil")
    assert english["total"] > 0
    for name in ("Brasil", "brasil", "República Federativa do Brasil"):
        _, other = search(data, "violencia", "--country", name)
        assert other["total"] == english["total"], name
    _, part = search(data, "police", "--country", "Trinidad")  # the one Member State whose name holds it
    assert part["total"] > 0 and {h["member_state"] for h in part["hits"]} == {"Trinidad and Tobago"}
    for name, hint in (("Chle", "did you mean Chile?"), ("Saint", "Saint Lucia or"), ("Atlantis", "")):
        result, _ = search(data, "violencia", "--country", name)
        assert result.exit_code == 2 and "names no OAS Member State" in result.output, name
        assert hint in result.output


def test_an_unknown_theme_is_refused(data):
    result, _ = search(data, "violencia", "--theme", "2.9")
    assert result.exit_code == 2 and "is not a thematic area" in result.output and "2.5" in result.output
    _, known = search(data, "violencia", "--theme", " 2.4")
    assert known["total"] > 0 and all("2.4" in h["themes"] for h in known["hits"])


def test_show_and_similar(data):
    _, out = search(data, "prison")
    sid = out["hits"][0]["id"]
    shown = CliRunner().invoke(cli, ["--data-dir", str(data), "show", sid, "--format", "json"])
    record = json.loads(shown.output)
    assert record["id"] == sid and record["tags"]
    similar = CliRunner().invoke(cli, ["--data-dir", str(data), "similar", sid, "--format", "json"])
    assert similar.exit_code == 0 and sid not in [h["id"] for h in json.loads(similar.output)]


def test_similar_reaches_other_languages_and_takes_searchs_filters(data):
    _, out = search(data, "jóvenes en riesgo", "--language", "es", "--kind", "program")
    sid = out["hits"][0]["id"]

    def similar(*args):
        run = CliRunner().invoke(cli, ["--data-dir", str(data), "similar", sid, *args, "--format", "json"])
        assert run.exit_code == 0, run.output
        return json.loads(run.output)

    many = similar("--limit", "50")
    assert len(many) == 50 and {"en", "fr", "pt"} & {h["language"] for h in many}
    english = similar("--language", "en", "--kind", "practice", "--limit", "5")
    assert len(english) == 5 and all(h["language"] == "en" and h["kind"] == "practice" for h in english)
    assert any("2.5" in h["themes"] for h in english)  # youth at risk, written in English
    table = CliRunner().invoke(cli, ["--data-dir", str(data), "similar", sid, "--language", "fr"])
    assert table.exit_code == 0 and " fr " in table.output.splitlines()[2]
    refused = CliRunner().invoke(cli, ["--data-dir", str(data), "similar", sid, "--theme", "9.9"])
    assert refused.exit_code == 2


def test_similar_other_states_leaves_the_sections_own_state_out(data):
    _, out = search(data, "violência", "--country", "Brazil", "--language", "pt")
    sid = out["hits"][0]["id"]
    args = ["--data-dir", str(data), "similar", sid, "--limit", "10", "--format", "json"]
    own = json.loads(CliRunner().invoke(cli, args).output)
    others = json.loads(CliRunner().invoke(cli, [*args, "--other-states"]).output)
    assert any(h["member_state"] == "Brazil" for h in own)
    assert len(others) == 10 and all(h["member_state"] != "Brazil" for h in others)
    assert {h["language"] for h in others} - {"pt"}  # what the others do is written in their languages


def test_show_gives_the_container_a_section_came_in(data):
    _, out = search(data, "Barbados", "--country", "Barbados", "--limit", "50")
    for hit in out["hits"]:
        shown = CliRunner().invoke(cli, ["--data-dir", str(data), "show", hit["id"]])
        source = next(line for line in shown.output.splitlines() if line.startswith("source: "))
        if "brb-2019-paragraphzip.zip!/" in source:  # the zip as mailed, then the reply inside it
            assert source.endswith("Reply_DPS_questionnaire_Barbados.docx")
            return
    pytest.fail("no section of the Barbados zip shows where it came from")


def test_search_imports_neither_spacy_nor_pdfplumber(data):
    code = ("import sys; from search_cli.cli import cli\n"
            "try:\n    cli(['--data-dir', sys.argv[1], 'search', 'violencia', '--format', 'json'])\n"
            "except SystemExit:\n    pass\n"
            "print([m for m in ('spacy', 'pdfplumber', 'docx') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code, str(data)], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
