"""Legacy office formats through LibreOffice; without it, needs_converter and a later --retry."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_mail import message, reply_docx

from ingest.convert import ConversionTimedOut, convert_to_docx
from ingest.model import Format
from search_cli.cli import cli

REPLIES = Path(__file__).resolve().parent.parent / "corpus" / "replies"
needs_soffice = pytest.mark.skipif(
    not (shutil.which("soffice") or shutil.which("libreoffice")),
    reason="LibreOffice (soffice) is not installed",
)


def run(data: Path, *args: str):
    return CliRunner().invoke(cli, ["--data-dir", str(data), *args], catch_exceptions=False)


def _hide_tools(monkeypatch, tmp_path: Path) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir(exist_ok=True)
    monkeypatch.setenv("PATH", str(empty))


@needs_soffice
@pytest.mark.parametrize("name", ["hnd-2014-tabledoc.doc", "bra-2017-narrativertf.rtf"])
def test_legacy_files_are_read_as_docx_keeping_name_and_checksum(tmp_path, name):
    source = REPLIES / name
    result = json.loads(run(tmp_path, "ingest", str(source), "--json").output)
    assert result["files"][0]["status"] == "ok" and result["files"][0]["sections"] >= 2
    data = tmp_path / "catalog.sqlite"
    import sqlite3

    row = (
        sqlite3.connect(data).execute("SELECT file_name, sha256, format, metadata FROM documents").fetchone()
    )
    assert row[:3] == (name, hashlib.sha256(source.read_bytes()).hexdigest(), Path(name).suffix[1:])
    assert json.loads(row[3])["converted_from"] == Path(name).suffix[1:]


@needs_soffice
def test_odt_is_converted(tmp_path):
    (tmp_path / "r.docx").write_bytes(reply_docx("Convivencia", "La Misión del Ecuador remite su respuesta."))
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation={(tmp_path / 'p').as_uri()}",
            "--convert-to",
            "odt",
            "--outdir",
            str(tmp_path / "odt"),
            str(tmp_path / "r.docx"),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    doc = convert_to_docx(tmp_path / "odt" / "r.odt", Format.ODT)
    assert doc.format == Format.ODT and doc.path == str(tmp_path / "odt" / "r.odt")
    assert "Programa: Convivencia" in [b.text for b in doc.blocks]


@needs_soffice
def test_conversion_over_the_time_limit_is_timed_out(tmp_path):
    with pytest.raises(ConversionTimedOut, match="more than 0 s"):
        convert_to_docx(REPLIES / "hnd-2014-tabledoc.doc", Format.DOC, timeout=0.01)


def test_without_libreoffice_needs_converter_naming_the_package(tmp_path, monkeypatch):
    _hide_tools(monkeypatch, tmp_path)
    out = json.loads(
        run(tmp_path / "data", "ingest", str(REPLIES / "hnd-2014-tabledoc.doc"), "--json").output
    )
    (entry,) = out["files"]
    assert entry["status"] == "needs_converter" and "libreoffice-writer-nogui" in entry["reason"]
    again = json.loads(
        run(tmp_path / "data", "ingest", str(REPLIES / "hnd-2014-tabledoc.doc"), "--json").output
    )
    assert again["files"][0]["status"] == "needs_converter" and "--retry" in again["files"][0]["reason"]


@needs_soffice
def test_retry_picks_up_files_and_attachments_once_libreoffice_is_there(tmp_path, monkeypatch):
    data = tmp_path / "data"
    eml = tmp_path / "in" / "m.eml"
    eml.parent.mkdir()
    eml.write_bytes(
        message(
            attachments=(
                ("respuesta.rtf", (REPLIES / "bra-2017-narrativertf.rtf").read_bytes()),
                ("ok.docx", reply_docx()),
            )
        ).as_bytes()
    )
    with monkeypatch.context() as m:
        _hide_tools(m, tmp_path)
        first = run(data, "ingest", str(REPLIES / "hnd-2014-tabledoc.doc"), str(eml), "--json")
    assert first.exit_code == 1
    assert [f["status"] for f in json.loads(first.output)["files"]] == [
        "needs_converter",
        "needs_converter",
        "ok",
        "ok",
    ]
    retried = run(data, "ingest", "--retry", "--json")  # no paths: whatever the catalog is waiting for
    assert retried.exit_code == 0, retried.output
    statuses = {f["path"].rsplit("/", 1)[-1]: f["status"] for f in json.loads(retried.output)["files"]}
    assert statuses == {
        "hnd-2014-tabledoc.doc": "ok",
        "respuesta.rtf": "ok",
        "ok.docx": "duplicate",
        "m.eml": "ok",
    }
    status = json.loads(run(data, "status", "--format", "json").output)
    assert status["documents"] == {"ok": 3} and status["contents"] == {"attachments": {"ok": 2}}
    assert run(data, "ingest").exit_code == 2  # neither paths nor --retry


def test_retry_finds_a_file_whose_name_is_not_utf8(tmp_path):
    """The catalog stores such a name with `\\udcxx` escapes; --retry must find the file again."""
    import os
    import sys

    from ingest.catalog import Catalog
    from ingest.sources import retry_paths

    folder = tmp_path / "in"
    folder.mkdir()
    name = os.fsdecode(b"r\xe9plica-2014.doc")  # Latin-1 bytes: a surrogate escape in Python
    (folder / name).write_bytes((REPLIES / "hnd-2014-tabledoc.doc").read_bytes())
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    # a real process: its stdout prints the name with \udcxx escapes (CliRunner's cannot)
    done = subprocess.run([sys.executable, "-m", "search_cli", "--data-dir", str(tmp_path / "data"), "ingest",
                           str(folder), "--json"], capture_output=True, check=False, timeout=120,
                          env={**os.environ, "PATH": str(empty)})
    out = json.loads(done.stdout)
    assert [f["status"] for f in out["files"]] == ["needs_converter"]
    assert out["files"][0]["path"] == str(folder / name)  # JSON reads the printed \udce9 back
    with Catalog(tmp_path / "data" / "catalog.sqlite") as catalog:
        assert retry_paths(catalog) == [folder / name]
