"""Issue #9, point 5: `mispa backup FILE` and `mispa restore FILE` round-trip a reviewed catalog; the
index is rebuilt on restore; restore refuses a non-empty directory and a damaged or foreign file."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hostile.harness import rows

from search_cli.cli import cli

CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "replies"
TABLES = ("documents", "sections", "tags", "reviews", "review_log")


def run(data: Path, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(cli, ["--data-dir", str(data), *args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def as_json(data: Path, *args: str):
    return json.loads(run(data, *args, "--format", "json"))


def dump(catalog: Path) -> dict[str, list[tuple]]:
    return {t: rows(catalog, f"SELECT * FROM {t} ORDER BY 1, 2") for t in TABLES}


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory) -> tuple[Path, str]:
    """Two replies ingested; one section set by a reviewer, another accepted, with notes."""
    data = tmp_path_factory.mktemp("backup") / "data"
    run(data, "ingest", str(CORPUS / "jam-2013-table.docx"), str(CORPUS / "chl-2013-table.docx"))
    ids = [r["id"] for r in as_json(data, "export")]
    run(data, "review", "set", ids[0], "--pillar", "5", "--theme", "5.2", "--by", "ana",
        "--note", "ver anexo")
    run(data, "review", "accept", ids[1], "--by", "luis")
    return data, ids[0]


def test_backup_then_restore_round_trips_a_reviewed_catalog(reviewed, tmp_path):
    data, reviewed_id = reviewed
    archive = tmp_path / "mispa.zip"
    out = run(data, "backup", str(archive))
    assert "2 reviewer decisions" in out and archive.is_file()
    restored = tmp_path / "restored"
    out = run(restored, "restore", str(archive))
    assert "search index rebuilt" in out
    assert dump(restored / "catalog.sqlite") == dump(data / "catalog.sqlite")
    shown = as_json(restored, "show", reviewed_id)
    assert shown["pillars"] == [5] and shown["themes"] == ["5.2"]
    assert {t["source"] for t in shown["tags"]} == {"reviewer"}
    history = as_json(restored, "review", "history", reviewed_id)
    assert "ver anexo" in json.dumps(history, ensure_ascii=False)
    assert as_json(restored, "search", "programme", "--limit", "50")["total"] == \
        as_json(data, "search", "programme", "--limit", "50")["total"] > 0

    from index.inventory import indexed_ids
    catalog_ids = {r[0] for r in rows(restored / "catalog.sqlite", "SELECT id FROM sections")}
    assert indexed_ids(restored / "index") == catalog_ids


def test_the_backup_file_describes_itself_and_is_a_single_sqlite_file_inside(reviewed, tmp_path):
    data, _ = reviewed
    archive = tmp_path / "b.zip"
    run(data, "backup", str(archive))
    with zipfile.ZipFile(archive) as z:
        names = z.namelist()
        manifest = json.loads(z.read("mispa-backup.json"))
    assert names == ["mispa-backup.json", "catalog.sqlite"]
    assert manifest["format"] == "mispa-backup" and manifest["reviews"] == 2 and manifest["review_log"] == 2
    assert set(manifest["sha256"]) == {"catalog.sqlite"}


def test_originals_kept_in_the_data_directory_travel_with_the_backup_and_stay_linked(tmp_path):
    """Files the web upload keeps (DATA/uploads/...) are backed up, and restored documents point at them."""
    data = tmp_path / "data"
    kept = data / "uploads" / "20240501-100000-abcdef" / "files" / "01" / "jam.docx"
    kept.parent.mkdir(parents=True)
    kept.write_bytes((CORPUS / "jam-2013-table.docx").read_bytes())
    run(data, "ingest", str(kept))
    run(data, "backup", str(tmp_path / "b.zip"))
    restored = tmp_path / "elsewhere" / "restored"
    run(restored, "restore", str(tmp_path / "b.zip"))
    moved = restored / kept.relative_to(data)
    assert moved.read_bytes() == kept.read_bytes()
    assert rows(restored / "catalog.sqlite", "SELECT path FROM documents") == [(str(moved.resolve()),)]


def test_restore_refuses_a_data_directory_that_is_not_empty(reviewed, tmp_path):
    data, _ = reviewed
    run(data, "backup", str(tmp_path / "b.zip"))
    before = dump(data / "catalog.sqlite")
    out = run(data, "restore", str(tmp_path / "b.zip"), code=1)
    assert "not empty" in out
    assert dump(data / "catalog.sqlite") == before


def test_backup_refuses_to_overwrite_a_file(reviewed, tmp_path):
    data, _ = reviewed
    (tmp_path / "b.zip").write_bytes(b"precious")
    assert "already exists" in run(data, "backup", str(tmp_path / "b.zip"), code=1)
    assert (tmp_path / "b.zip").read_bytes() == b"precious"


def test_restore_refuses_a_damaged_or_foreign_file(reviewed, tmp_path):
    data, _ = reviewed
    run(data, "backup", str(tmp_path / "b.zip"))
    with zipfile.ZipFile(tmp_path / "b.zip") as z:
        manifest, catalog = z.read("mispa-backup.json"), bytearray(z.read("catalog.sqlite"))
    catalog[5000] ^= 0xFF
    with zipfile.ZipFile(tmp_path / "damaged.zip", "w") as z:
        z.writestr("mispa-backup.json", manifest)
        z.writestr("catalog.sqlite", bytes(catalog))
    assert "damaged" in run(tmp_path / "r1", "restore", str(tmp_path / "damaged.zip"), code=1)
    assert not (tmp_path / "r1" / "catalog.sqlite").exists()
    (tmp_path / "foreign.zip").write_bytes((CORPUS / "jam-2013-table.docx").read_bytes())
    assert "not a mispa backup" in run(tmp_path / "r2", "restore", str(tmp_path / "foreign.zip"), code=1)
