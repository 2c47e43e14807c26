from __future__ import annotations

from ingest.catalog import SCHEMA_VERSION, Catalog, DocumentInfo, section_id
from ingest.model import Status


def test_new_catalog_is_versioned_wal_with_foreign_keys(tmp_path):
    cat = Catalog(tmp_path / "c.sqlite")
    assert cat.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert cat.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert cat.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_file_is_failed_until_committed(tmp_path):
    cat = Catalog(tmp_path / "c.sqlite")
    info = DocumentInfo(sha256="ab" * 32, file_name="x.pdf", path="/x.pdf", format="pdf", status=Status.FAILED)
    cat.begin_document(info)
    row = cat.find_document(info.sha256)
    assert (row["status"], row["reason"]) == ("failed", "interrupted while ingesting")


def test_section_ids_are_stable():
    assert section_id("ab" * 32, 3) == section_id("ab" * 32, 3) != section_id("ab" * 32, 4)
