"""Zip archives: members ingested like files, within limits; a refused archive lands its safe members."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from test_mail import message, reply_docx

from ingest.catalog import Catalog
from ingest.containers import Limits
from ingest.pipeline import IngestOptions, ingest_paths


def _zip(path: Path, members: dict[str, bytes], encrypted: tuple[str, ...] = ()) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    data = bytearray(buffer.getvalue())
    start = 0
    while (start := data.find(b"PK\x01\x02", start)) >= 0:  # central directory entries
        length = int.from_bytes(data[start + 28 : start + 30], "little")
        if data[start + 46 : start + 46 + length].decode() in encrypted:
            data[start + 8] |= 0x1  # marked encrypted: refused before any byte is read
        start += 46
    path.write_bytes(bytes(data))
    return path


def _ingest(paths: list[Path], tmp: Path, limits: Limits | None = None):
    catalog = Catalog(tmp / "data" / "catalog.sqlite")
    return catalog, ingest_paths(paths, catalog, IngestOptions(limits=limits or Limits()))


def _by_member(report) -> dict[str, tuple[str, str]]:
    return {
        f.path.rsplit("!/", 1)[-1] if "!/" in f.path else "(archive)": (str(f.status), f.reason)
        for f in report.files
    }


def test_members_are_ingested_like_files_and_linked_to_the_archive(tmp_path):
    path = _zip(
        tmp_path / "r.zip",
        {
            "dir/uno.docx": reply_docx("Uno"),
            "../dos.docx": reply_docx("Dos"),
            "carta.txt": "Carta de la Misión de Guatemala".encode(),
        },
    )
    catalog, report = _ingest([path], tmp_path)
    assert not report.failed
    assert sorted(r["title"] for r in catalog.iter_sections()) == ["Dos", "Uno"]
    names = {r["file_name"]: r["source_id"] for r in catalog.db.execute("SELECT * FROM documents")}
    assert names == {"uno.docx": 1, "dos.docx": 1}
    src = catalog.db.execute("SELECT * FROM sources").fetchone()
    assert (src["kind"], src["status"], src["body"]) == ("archive", "ok", "Carta de la Misión de Guatemala")
    # The cover letter names the country; the replies do not.
    assert {r["member_state"] for r in catalog.iter_sections()} == {"Guatemala"}


def test_zip_bomb_member_is_refused_and_the_others_land(tmp_path):
    path = _zip(tmp_path / "r.zip", {"bomb.docx": b"\0" * (8 * 2**20), "ok.docx": reply_docx()})
    catalog, report = _ingest([path], tmp_path)
    members = _by_member(report)
    assert members["bomb.docx"][0] == "too_complex" and "compression ratio" in members["bomb.docx"][1]
    assert members["ok.docx"][0] == "ok"
    assert members["(archive)"][0] == "too_complex" and "bomb.docx" in members["(archive)"][1]
    assert len(list(catalog.iter_sections())) == 1


def test_member_count_limit_refuses_the_rest_with_one_reason(tmp_path):
    members = {f"m{i}.docx": reply_docx(f"P{i}") for i in range(5)}
    catalog, report = _ingest([_zip(tmp_path / "r.zip", members)], tmp_path, Limits(max_members=3))
    statuses = [str(f.status) for f in report.files]
    assert statuses == ["ok", "ok", "ok", "too_complex", "too_complex"]
    assert "5 members, over the limit of 3" in report.files[3].reason
    assert len(list(catalog.iter_sections())) == 3


def test_total_size_limit(tmp_path):
    limit = len(reply_docx("A")) + 1000
    path = _zip(tmp_path / "r.zip", {"a.docx": reply_docx("A"), "b.docx": reply_docx("B")})
    _, report = _ingest([path], tmp_path, Limits(max_total_bytes=limit))
    members = _by_member(report)
    assert members["a.docx"][0] == "ok"
    assert members["b.docx"] == ("too_large", f"over the total size limit of {limit} bytes")


def test_nesting_depth_limit(tmp_path):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("deep.docx", reply_docx("Profundo"))
    middle = io.BytesIO()
    with zipfile.ZipFile(middle, "w") as z:
        z.writestr("inner.zip", inner.getvalue())
        z.writestr("shallow.docx", reply_docx("Somero"))
    path = _zip(tmp_path / "outer.zip", {"middle.zip": middle.getvalue()})
    catalog, report = _ingest([path], tmp_path, Limits(max_depth=2))
    members = _by_member(report)
    assert members["inner.zip"][0] == "too_complex" and "limit 2" in members["inner.zip"][1]
    assert [r["title"] for r in catalog.iter_sections()] == ["Somero"]


def test_encrypted_member_and_damaged_archive(tmp_path):
    path = _zip(
        tmp_path / "r.zip",
        {"secret.docx": reply_docx(), "open.docx": reply_docx("Abierto")},
        encrypted=("secret.docx",),
    )
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04" + b"garbage" * 20)
    _, report = _ingest([path, tmp_path / "broken.zip"], tmp_path)
    members = _by_member(report)
    assert members["secret.docx"] == ("needs_password", "encrypted zip member")
    assert members["open.docx"][0] == "ok"
    assert report.files[-1].status == "corrupt" and "zip" in report.files[-1].reason


def test_status_lists_refused_members_with_their_reason(tmp_path):
    import json

    from click.testing import CliRunner

    from search_cli.cli import cli

    path = _zip(tmp_path / "r.zip", {"bomb.docx": b"\0" * (8 * 2**20), "ok.docx": reply_docx()})
    eml = tmp_path / "m.eml"
    eml.write_bytes(message(attachments=(("r.zip", path.read_bytes()),)).as_bytes())
    run = CliRunner().invoke(
        cli, ["--data-dir", str(tmp_path / "data"), "ingest", str(eml), "--json"], catch_exceptions=False
    )
    assert run.exit_code == 1
    out = CliRunner().invoke(cli, ["--data-dir", str(tmp_path / "data"), "status", "--format", "json"])
    status = json.loads(out.output)
    assert status["contents"] == {
        "archive members": {"ok": 1, "too_complex": 1},
        "attachments": {"too_complex": 1},
    }
    problems = {p["file"].rsplit("!/", 1)[-1]: p for p in status["problems"]}
    assert "compression ratio" in problems["bomb.docx"]["reason"]


@pytest.mark.parametrize("limits", [{"max_members": 0}, {"max_ratio": 1}])
def test_limits_validate_themselves(limits):
    with pytest.raises(ValueError):
        Limits(**limits)
