"""Member-state names as users type them on the command line (ingest/states.py)."""

from __future__ import annotations

from click.testing import CliRunner

from ingest.states import resolve_state, suggest_states
from search_cli.cli import cli


def test_a_member_state_by_iso_code_name_variant_or_unique_part():
    assert resolve_state("CRI") == resolve_state("república de costa rica") == "Costa Rica"
    assert resolve_state("Brasil") == resolve_state(" brazil ") == "Brazil"
    assert resolve_state("Trinidad") == "Trinidad and Tobago"  # no other name holds it
    assert resolve_state("Dominica") == "Dominica" and resolve_state("República Dominicana") == "Dominican Republic"
    assert resolve_state("Saint") is None and resolve_state("Chle") is None and resolve_state("Atl") is None


def test_what_a_refused_name_may_have_meant():
    assert suggest_states("Chle") == ["Chile"]
    assert set(suggest_states("Saint")) == {"Saint Kitts and Nevis", "Saint Lucia", "Saint Vincent and the Grenadines"}
    assert suggest_states("Atlantis") == []


def test_every_country_option_refuses_a_name_of_no_member_state(tmp_path):
    for command in (["search", "x"], ["export"], ["review", "queue"], ["report"], ["ingest", str(tmp_path)]):
        result = CliRunner().invoke(cli, ["--data-dir", str(tmp_path / "data"), *command, "--country", "Atlantis"])
        assert result.exit_code == 2 and "'Atlantis' names no OAS Member State" in result.output, command
