from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


def unreadable_formats() -> set[str]:
    """Corpus formats this machine cannot read for want of a system tool (their gold is left out)."""
    missing = set()
    if not (shutil.which("soffice") or shutil.which("libreoffice")):
        missing |= {"doc", "rtf"}
    if not (shutil.which("tesseract") and shutil.which("pdftoppm")):
        missing.add("scan")
    return missing


@pytest.fixture(scope="session")
def gold() -> list[dict]:
    lines = (CORPUS / "gold.jsonl").read_text(encoding="utf-8").splitlines()
    return [g for g in map(json.loads, lines) if g["format"] not in unreadable_formats()]


@pytest.fixture(scope="session")
def corpus_catalog(tmp_path_factory):
    """The whole sample corpus ingested (with tagging) into a fresh catalog, once per test session."""
    from classify.tagging import tag_section
    from ingest.catalog import Catalog
    from ingest.pipeline import IngestOptions, ingest_paths

    data = tmp_path_factory.mktemp("corpus-data")
    catalog = Catalog(data / "catalog.sqlite")
    # The OCR of a scanned reply takes about 40 s here: the default 60 s a file is too close on a
    # busy machine, and the per-file limit is tested on its own (tests/test_hostile.py).
    report = ingest_paths([CORPUS / "replies"], catalog, IngestOptions(time_limit=600.0), tagger=tag_section)
    waiting = {"needs_converter", "needs_ocr"} if unreadable_formats() else set()
    assert not [f for f in report.failed if f.status not in waiting], report.failed
    yield catalog
    catalog.close()
