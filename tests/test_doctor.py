"""Issue #9, point 9: `mispa doctor` finds each problem of a data directory, says how to fix it, and
exits 1; a healthy directory passes (the system tools are faked present or absent here, so the
outcome does not depend on the machine)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from search_cli.cli import cli

CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "replies"


def run(data: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--data-dir", str(data), *args], catch_exceptions=False)
    return result.exit_code, result.output


def doctor(data: Path) -> tuple[int, dict[str, dict]]:
    code, out = run(data, "doctor", "--format", "json")
    report = json.loads(out)
    assert report["ok"] == (code == 0)
    return code, {c["check"]: c for c in report["checks"]}


def problems(checks: dict[str, dict]) -> dict[str, dict]:
    return {name: c for name, c in checks.items() if not c["ok"]}


@pytest.fixture
def tools(monkeypatch):
    """Every system tool and OCR language present and the tagger built, whatever this machine has."""
    import classify.engine
    import classify.hits
    import ingest.doctor
    import ingest.ocr

    monkeypatch.setattr(ingest.doctor.shutil, "which", lambda tool: f"/usr/bin/{tool}")
    monkeypatch.setattr(ingest.ocr, "installed_languages", lambda _: ("spa", "eng", "por", "fra"))
    monkeypatch.setattr(classify.hits, "status", lambda: "compiled (classify._hits_c)")
    monkeypatch.setattr(classify.engine, "scanner", lambda: classify.engine.ScannerChoice(
        None, "compiled (classify._scan)"))


@pytest.fixture(scope="module")
def healthy_base(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("doctor") / "data"
    code, out = run(data, "ingest", str(CORPUS / "jam-2013-table.docx"))
    assert code == 0, out
    return data


@pytest.fixture
def healthy(healthy_base, tmp_path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(healthy_base, data)
    return data


def test_a_healthy_data_directory_passes(healthy, tools):
    code, checks = doctor(healthy)
    assert code == 0 and problems(checks) == {}
    assert {"catalog integrity", "schema version", "index in step", "ingest lock", "tool soffice",
            "tool tesseract", "tool pdftoppm", "tool qpdf", "data files", "taxonomy", "glossary",
            "spaCy pipelines"} <= checks.keys()
    assert checks["taxonomy"]["message"].startswith("22 thematic areas, ")
    code, out = run(healthy, "doctor")
    assert code == 0 and "no problems found" in out


def test_missing_tools_are_named_with_the_package_to_install(healthy, monkeypatch):
    import ingest.doctor

    monkeypatch.setattr(ingest.doctor.shutil, "which", lambda tool: None)
    code, checks = doctor(healthy)
    assert code == 1
    found = problems(checks)
    assert set(found) == {"tool soffice", "tool tesseract", "tool pdftoppm", "tool qpdf"}
    assert "libreoffice" in found["tool soffice"]["fix"] and "tesseract-ocr" in found["tool tesseract"]["fix"]


def test_a_tagger_build_older_than_its_source_is_found(healthy, tools, monkeypatch):
    import classify.hits

    monkeypatch.setattr(classify.hits, "status", lambda: "plain Python (the compiled module predates an "
                        "edit of hits.py: reinstall to rebuild)")
    code, checks = doctor(healthy)
    assert code == 1 and set(problems(checks)) == {"tagger build"}
    assert "pip install -e ." in checks["tagger build"]["fix"]
    monkeypatch.setattr(classify.hits, "status", lambda: "plain Python (no compiled module: no Cython or C "
                        "compiler at install)")
    code, checks = doctor(healthy)  # slower, not wrong: no problem
    assert code == 0 and "after matching: plain Python" in checks["tagger build"]["message"]


def test_a_scanner_older_than_its_source_or_built_for_another_spacy_is_found(healthy, tools, monkeypatch):
    import classify.engine

    for reason in ("plain Python (the compiled scanner predates an edit of _scan.pyx: reinstall to rebuild)",
                   "plain Python (the compiled scanner was built for spaCy 3.7.0, this is 3.8.18: reinstall)"):
        monkeypatch.setattr(classify.engine, "scanner", lambda r=reason: classify.engine.ScannerChoice(None, r, True))
        code, checks = doctor(healthy)
        assert code == 1 and set(problems(checks)) == {"tagger build"}
        assert checks["tagger build"]["message"].startswith(f"matching: {reason}")
        assert "pip install -e ." in checks["tagger build"]["fix"]
    monkeypatch.setattr(classify.engine, "scanner", lambda: classify.engine.ScannerChoice(
        None, "plain Python (no compiled scanner: no Cython, C++ compiler or spaCy at install)"))
    code, checks = doctor(healthy)  # slower, not wrong: no problem
    assert code == 0 and checks["tagger build"]["message"].startswith("matching: plain Python")


def test_a_configured_spacy_pipeline_that_is_not_installed_is_found(healthy, tools, monkeypatch):
    from classify import pipelines

    code, checks = doctor(healthy)
    assert checks["spaCy pipelines"]["ok"] and "none configured" in checks["spaCy pipelines"]["message"]
    monkeypatch.setattr(pipelines, "configured", lambda directory=None: {"es": "es_core_news_zz"})
    pipelines.choose.cache_clear()
    try:
        code, checks = doctor(healthy)
    finally:
        pipelines.choose.cache_clear()
    assert code == 1 and set(problems(checks)) == {"spaCy pipelines"}
    assert checks["spaCy pipelines"]["message"] == ("es: blank + lookup lemmas: es_core_news_zz is not installed "
                                                    "(pip install it into mispa's environment)")
    assert "pipelines.toml" in checks["spaCy pipelines"]["fix"]


def test_an_index_out_of_step_is_found_and_reindex_fixes_it(healthy, tools):
    import index
    from index.inventory import indexed_ids

    index.delete_sections(healthy / "index", sorted(indexed_ids(healthy / "index"))[:2])
    code, checks = doctor(healthy)
    assert code == 1 and set(problems(checks)) == {"index in step"}
    assert "2 catalog sections missing" in checks["index in step"]["message"]
    assert "mispa reindex" in checks["index in step"]["fix"]
    assert run(healthy, "reindex")[0] == 0
    assert doctor(healthy)[0] == 0


def test_a_missing_index_is_found(healthy, tools):
    shutil.rmtree(healthy / "index")
    code, checks = doctor(healthy)
    assert code == 1 and "mispa reindex" in problems(checks)["index"]["fix"]


def test_a_stale_ingest_lock_is_found_and_the_next_ingest_clears_it(healthy, tools):
    record = {"pid": 999_999_999, "host": "h", "started": "2024-05-01T10:00:00"}
    (healthy / "ingest.lock").write_text(json.dumps(record))
    code, checks = doctor(healthy)
    assert code == 1 and set(problems(checks)) == {"ingest lock"}
    assert "999999999" in checks["ingest lock"]["message"] and "mispa ingest" in checks["ingest lock"]["fix"]
    assert run(healthy, "ingest", str(CORPUS / "jam-2013-table.docx"))[0] == 0
    assert doctor(healthy)[0] == 0


def test_interrupted_files_are_found_and_a_rerun_finishes_them(healthy, tools):
    with sqlite3.connect(healthy / "catalog.sqlite") as db:
        db.execute("UPDATE documents SET status = 'failed', reason = 'interrupted while ingesting'")
        db.execute("DELETE FROM sections")
    code, checks = doctor(healthy)
    assert code == 1 and {"interrupted files", "index in step"} <= set(problems(checks))
    assert run(healthy, "ingest", str(CORPUS / "jam-2013-table.docx"))[0] == 0
    code, checks = doctor(healthy)
    assert "interrupted files" not in problems(checks)


@pytest.mark.parametrize("version,expected", [(1, "run `mispa status` once"), (99, "upgrade mispa")])
def test_a_schema_version_that_differs_is_found(healthy, tools, version, expected):
    with sqlite3.connect(healthy / "catalog.sqlite") as db:
        db.execute(f"PRAGMA user_version = {version}")
    code, checks = doctor(healthy)
    assert code == 1 and expected in problems(checks)["schema version"]["fix"]


def test_a_damaged_catalog_is_found(healthy, tools):
    with sqlite3.connect(healthy / "catalog.sqlite") as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = bytearray((healthy / "catalog.sqlite").read_bytes())
    raw[4096 * 2:4096 * 2 + 2000] = b"\xff" * 2000
    (healthy / "catalog.sqlite").write_bytes(bytes(raw))
    code, checks = doctor(healthy)
    assert code == 1
    found = problems(checks)
    catalog_problem = found.get("catalog integrity") or found.get("catalog")
    assert catalog_problem and "mispa restore" in catalog_problem["fix"]


def test_doctor_never_creates_a_data_directory(tmp_path, tools):
    code, checks = doctor(tmp_path / "nowhere")
    assert code == 1 and "mispa ingest" in problems(checks)["catalog"]["fix"]
    assert not (tmp_path / "nowhere").exists()
