from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


@pytest.fixture(scope="session")
def gold() -> list[dict]:
    return [json.loads(line) for line in (CORPUS / "gold.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="session")
def corpus_catalog(tmp_path_factory):
    """The whole sample corpus ingested (with tagging) into a fresh catalog, once per test session."""
    from classify.tagging import tag_section
    from ingest.catalog import Catalog
    from ingest.pipeline import ingest_paths

    data = tmp_path_factory.mktemp("corpus-data")
    catalog = Catalog(data / "catalog.sqlite")
    report = ingest_paths([CORPUS / "replies"], catalog, tagger=tag_section)
    assert not report.failed, report.failed
    yield catalog
    catalog.close()
