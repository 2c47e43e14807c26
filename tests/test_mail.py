"""E-mail import: .eml, .msg and .mbox as sources, attachments as linked documents, recursively."""

from __future__ import annotations

import datetime as dt
import email.policy
import io
import json
import mailbox
import struct
import zipfile
from email.message import EmailMessage
from functools import lru_cache
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner

from ingest.catalog import Catalog
from ingest.containers import Limits, Spool, display_name
from ingest.pipeline import IngestOptions, count_units, ingest_paths
from search_cli.cli import cli


@lru_cache(maxsize=None)
def reply_docx(title: str = "Barrio en Paz", state_line: str = "") -> bytes:
    """A small reply: one named program, the Member State only if ``state_line`` says it.

    Made once per arguments: a docx saved again carries the new time in its zip entries, and a
    message built twice across that second would no longer be the same message."""
    d = docx.Document()
    if state_line:
        d.add_paragraph(state_line)
    d.add_heading(f"Programa: {title}", level=1)
    d.add_paragraph(
        "El programa atiende a jóvenes de los barrios con talleres y acompañamiento "
        "de la policía comunitaria durante todo el año escolar."
    )
    buffer = io.BytesIO()
    d.save(buffer)
    return buffer.getvalue()


def message(
    sender: str = "Misión <mision@rree.go.cr>",
    subject: str = "Respuesta al cuestionario",
    body: str = "Adjunto la respuesta.",
    attachments: tuple[tuple[str, bytes], ...] = (),
) -> EmailMessage:
    m = EmailMessage(policy=email.policy.default)
    m["From"], m["To"], m["Subject"] = sender, "dps@oas.org", subject
    m["Date"] = "Thu, 12 Sep 2013 11:30:00 -0400"
    m.set_content(body + "\n")
    for name, data in attachments:
        m.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    if m.is_multipart():
        m.set_boundary(f"=_test_{abs(hash((sender, subject, body))):x}")  # same message, same bytes
    return m


def ingest(paths: list[Path], data: Path, **options: object):
    catalog = Catalog(data / "catalog.sqlite")
    report = ingest_paths(paths, catalog, IngestOptions(**options))  # type: ignore[arg-type]
    return catalog, report


def test_eml_is_a_source_and_its_attachment_a_linked_document(tmp_path):
    path = tmp_path / "reply.eml"
    path.write_bytes(message(attachments=(("Respuesta.docx", reply_docx()),)).as_bytes())
    catalog, report = ingest([path], tmp_path / "data")
    assert [(f.kind, f.status) for f in report.files] == [("file", "ok"), ("message", "ok")]
    src = catalog.db.execute("SELECT * FROM sources").fetchone()
    assert (src["kind"], src["subject"], src["body"]) == (
        "message",
        "Respuesta al cuestionario",
        "Adjunto la respuesta.",
    )
    assert "mision@rree.go.cr" in src["sender"] and src["sent_at"].startswith("2013-09-12T11:30")
    doc = catalog.db.execute("SELECT * FROM documents").fetchone()
    assert doc["file_name"] == "Respuesta.docx" and doc["source_id"] == src["id"]
    assert doc["path"] == f"{path.resolve()}!/Respuesta.docx" and doc["source"] == "attachment"
    # The reply does not name its country: the sender's domain (.cr) does; the date is the message's.
    assert src["member_state"] == "Costa Rica" and doc["member_state"] == "Costa Rica"
    (section,) = catalog.iter_sections()
    assert (section["title"], section["member_state"], section["year"]) == (
        "Barrio en Paz",
        "Costa Rica",
        2013,
    )


def test_state_from_subject_when_domain_says_nothing_and_reply_wins_over_both(tmp_path):
    quiet = message(
        sender="dps.registry@oas.org",
        subject="Fwd: respuesta de la República de Panamá",
        attachments=(("a.docx", reply_docx("Uno")),),
    )
    named = message(
        attachments=(
            ("b.docx", reply_docx("Dos", "La Misión de la República de Chile remite su respuesta.")),
        )
    )
    (tmp_path / "a.eml").write_bytes(quiet.as_bytes())
    (tmp_path / "b.eml").write_bytes(named.as_bytes())
    catalog, _ = ingest([tmp_path / "a.eml", tmp_path / "b.eml"], tmp_path / "data")
    states = {r["title"]: r["member_state"] for r in catalog.iter_sections()}
    assert states == {"Uno": "Panama", "Dos": "Chile"}


@pytest.mark.parametrize(
    "hostile",
    [
        "../../escape.docx",
        "/etc/cron.d/escape.docx",
        "..\\..\\escape.docx",
        "a\x00b.docx",
        "....//escape.docx",
        "",
    ],
)
def test_attachment_names_are_never_paths(tmp_path, monkeypatch, hostile):
    work = tmp_path / "cwd" / "deep" / "er"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    msg = message()
    msg.add_attachment(reply_docx(), maintype="application", subtype="octet-stream")
    msg.get_payload()[-1].replace_header("Content-Disposition", "attachment")
    msg.get_payload()[-1].set_param("filename", hostile, header="Content-Disposition")
    (tmp_path / "in.eml").write_bytes(msg.as_bytes())
    before = {p for p in tmp_path.rglob("*")}
    catalog, report = ingest([tmp_path / "in.eml"], tmp_path / "data")
    assert report.files[0].status == "ok"
    created = {p for p in tmp_path.rglob("*")} - before
    assert all((tmp_path / "data") in p.parents or p == tmp_path / "data" for p in created), created
    assert not Path("/etc/cron.d/escape.docx").exists()
    name = catalog.db.execute("SELECT file_name FROM documents").fetchone()[0]
    assert "/" not in name and "\\" not in name and "\x00" not in name and not name.startswith(".")


def test_spool_writes_generated_names_only(tmp_path):
    spool = Spool(tmp_path, Limits())
    member = spool.add("../../x.DOCX", b"data")
    assert member.path == tmp_path / "00001.docx" and member.name == "../../x.DOCX"
    assert spool.add("evil.d/o\x00c", b"x").path == tmp_path / "00002"
    assert display_name("../../a\x00b.docx") == "ab.docx" and display_name("/") == "unnamed"


def test_forwarded_message_and_zip_inside_a_message_are_expanded(tmp_path):
    inner = message(
        attachments=(("original.docx", reply_docx("Uno", "La Misión de Belice remite su respuesta.")),)
    )
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("anexos/dos.docx", reply_docx("Dos", "La Misión de Belice remite su respuesta."))
        z.writestr("nota.txt", "Nota de remisión de Belice.")
    outer = message(
        sender="registro@oas.org", subject="Fwd: respuesta", attachments=(("anexos.zip", archive.getvalue()),)
    )
    outer.add_attachment(inner)
    (tmp_path / "fwd.eml").write_bytes(outer.as_bytes())
    catalog, report = ingest([tmp_path / "fwd.eml"], tmp_path / "data")
    assert not report.failed
    assert sorted(r["title"] for r in catalog.iter_sections()) == ["Dos", "Uno"]
    kinds = [r["kind"] for r in catalog.db.execute("SELECT kind FROM sources ORDER BY id")]
    assert kinds == ["message", "archive", "message"]
    archive_row = catalog.db.execute("SELECT * FROM sources WHERE kind = 'archive'").fetchone()
    assert archive_row["body"] == "Nota de remisión de Belice." and archive_row["parent_id"] == 1
    assert [f.kind for f in report.files].count("note") == 1


def _mailbox(path: Path, count: int, start: int = 0) -> Path:
    box = mailbox.mbox(str(path))
    for i in range(start, count):
        msg = message(
            subject=f"Respuesta {i}", attachments=((f"r{i}.docx", reply_docx(f"Programa {i:03d} X")),)
        )
        box.add(msg)
    box.flush()
    box.close()
    return path


def test_mailbox_messages_are_sources_and_every_attachment_is_accounted_for(tmp_path):
    path = _mailbox(tmp_path / "inbox.mbox", 4)
    assert count_units([path]) == 4
    catalog, report = ingest([path], tmp_path / "data")
    assert not report.failed and sum(f.unit for f in report.files) == 4
    assert report.totals()["message"] == 4 and report.totals()["mailbox"] == 1
    result = CliRunner().invoke(
        cli, ["--data-dir", str(tmp_path / "data"), "status", "--format", "json"], catch_exceptions=False
    )
    status = json.loads(result.output)
    assert status["sources"] == {"mailbox": {"ok": 1}, "message": {"ok": 4}}
    assert status["contents"] == {"messages": {"ok": 4}, "attachments": {"ok": 4}}
    # The same mailbox again: a duplicate, and the entries keep saying ok.
    _, again = ingest([path], tmp_path / "data")
    assert [f.status for f in again.files] == ["duplicate"]


def test_message_seen_in_two_mailboxes_is_a_duplicate_the_second_time(tmp_path):
    first = _mailbox(tmp_path / "a.mbox", 2)
    second = _mailbox(tmp_path / "b.mbox", 3)  # the same two messages, and a new one
    catalog, _ = ingest([first], tmp_path / "data")
    _, report = ingest([second], tmp_path / "data")
    assert [f.status for f in report.files if f.kind == "message"] == ["duplicate", "duplicate", "ok"]
    entries = catalog.db.execute("SELECT status, count(*) FROM source_entries GROUP BY 1").fetchall()
    assert {tuple(r) for r in entries} == {("ok", 6), ("duplicate", 2)}


def test_inline_logo_is_decoration_and_html_only_body_becomes_text(tmp_path):
    m = EmailMessage(policy=email.policy.default)
    m["From"], m["Subject"] = "mision@mrree.gub.uy", "Respuesta"
    m.set_content(
        "<html><body><p>Estimados:</p><p>Adjuntamos la respuesta.<img src='cid:logo'></p></body></html>",
        subtype="html",
    )
    m.add_related(b"\x89PNG fake", maintype="image", subtype="png", cid="<logo>")
    m.add_attachment(reply_docx(), maintype="application", subtype="octet-stream", filename="r.docx")
    (tmp_path / "m.eml").write_bytes(m.as_bytes())
    catalog, report = ingest([tmp_path / "m.eml"], tmp_path / "data")
    assert [(f.kind, f.status) for f in report.files] == [("file", "ok"), ("message", "ok")]
    src = catalog.db.execute("SELECT body, member_state FROM sources").fetchone()
    assert src["body"] == "Estimados:\n\nAdjuntamos la respuesta." and src["member_state"] == "Uruguay"


def _msg_file(path: Path, attachment: bytes) -> Path:
    """A real Outlook .msg (compound file) written with extract-msg's OLE writer."""
    from extract_msg.ole_writer import OleWriter

    def text(value: str) -> bytes:
        return value.encode("utf-16-le")

    def prop(tag: int, kind: int, value: bytes) -> bytes:
        return struct.pack("<HHI", kind, tag, 6) + value

    sent = int((dt.datetime(2013, 9, 12, 15, 30) - dt.datetime(1601, 1, 1)).total_seconds() * 10**7)
    w = OleWriter()
    w.addEntry("__nameid_version1.0", storage=True)
    for stream in ("00020102", "00030102", "00040102"):
        w.addEntry(f"__nameid_version1.0/__substg1.0_{stream}", b"")
    for tag, value in (
        ("001A", "IPM.Note"),
        ("0037", "Respuesta de Colombia"),
        ("1000", "Adjunto la respuesta."),
        ("0C1F", "mision@cancilleria.gov.co"),
        ("0C1A", "Misión de Colombia"),
    ):
        w.addEntry(f"__substg1.0_{tag}001F", text(value))
    w.addEntry(
        "__properties_version1.0",
        b"\0" * 8
        + struct.pack("<IIII", 0, 1, 0, 1)
        + b"\0" * 8
        + prop(0x0039, 0x0040, struct.pack("<Q", sent)),
    )
    att = "__attach_version1.0_#00000000"
    w.addEntry(att, storage=True)
    w.addEntry(f"{att}/__properties_version1.0", b"\0" * 8 + prop(0x3705, 0x0003, struct.pack("<II", 1, 0)))
    w.addEntry(f"{att}/__substg1.0_3707001F", text("Respuesta.docx"))
    w.addEntry(f"{att}/__substg1.0_37010102", attachment)
    w.write(str(path))
    return path


def test_outlook_msg_is_a_source_with_its_attachment(tmp_path):
    path = _msg_file(tmp_path / "reply.msg", reply_docx("Tres"))
    catalog, report = ingest([path], tmp_path / "data")
    assert [(f.kind, f.status) for f in report.files] == [("file", "ok"), ("message", "ok")]
    src = catalog.db.execute("SELECT * FROM sources").fetchone()
    assert (src["subject"], src["body"], src["member_state"]) == (
        "Respuesta de Colombia",
        "Adjunto la respuesta.",
        "Colombia",
    )
    assert "mision@cancilleria.gov.co" in src["sender"] and src["sent_at"].startswith("2013-09-12")
    (section,) = catalog.iter_sections()
    assert (section["title"], section["member_state"], section["file_name"]) == (
        "Tres",
        "Colombia",
        "Respuesta.docx",
    )


def test_damaged_message_gets_a_reason_and_the_batch_goes_on(tmp_path):
    (tmp_path / "a.msg").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    (tmp_path / "b.eml").write_bytes(message(attachments=(("b.docx", reply_docx()),)).as_bytes())
    _, report = ingest([tmp_path], tmp_path / "data")
    by_path = {Path(f.path.split("!/")[0]).name + ("!" if "!/" in f.path else ""): f for f in report.files}
    assert by_path["a.msg"].status == "corrupt" and "Outlook" in by_path["a.msg"].reason
    assert by_path["b.eml"].status == "ok" and by_path["b.eml!"].status == "ok"


def test_a_reply_pasted_into_the_message_is_read_as_its_document(tmp_path):
    body = ("Tengo el honor de remitir la respuesta de Costa Rica al cuestionario.\n\n"
            "Nombre del programa: Barrio en Paz\n"
            "Población objetivo: jóvenes de 12 a 24 años\n"
            "Líneas de acción: talleres y acompañamiento.\n\n"
            "Nombre de la buena práctica: Mesas vecinales\n"
            "Objetivo: que los vecinos propongan acciones.")
    path = tmp_path / "pasted.eml"
    path.write_bytes(message(body=body).as_bytes())
    catalog, report = ingest([path], tmp_path / "data")
    assert [(f.kind, f.status) for f in report.files] == [("file", "ok"), ("message", "ok")]
    program, practice = catalog.iter_sections()
    assert (program["title"], program["fields"]["lines_of_action"]) == ("Barrio en Paz", "talleres y acompañamiento.")
    assert (practice["kind"], practice["title"], practice["member_state"]) == ("practice", "Mesas vecinales", "Costa Rica")
    # A message that only covers an attachment, or has no answers in it, has no body document.
    plain = tmp_path / "plain.eml"
    plain.write_bytes(message(body="Nombre del programa: Uno", subject="Nota").as_bytes())
    _, report = ingest([plain], tmp_path / "other")
    assert [(f.kind, f.status) for f in report.files] == [("message", "ok")]


def test_sender_name_folded_into_two_encoded_words_reads_whole():
    # pan-2015-tableeml: "...Panam?=" / "=?utf-8?q?=C3=A1?=" is "Panamá" (RFC 2047 joins adjacent
    # encoded words); the stdlib's newer parser reads "Panam á"
    from ingest.mail import _header

    raw = (b"From: =?utf-8?q?Misi=C3=B3n_Permanente_=E2=80=93_Rep=C3=BAblica_de_Panam?=\r\n"
           b" =?utf-8?q?=C3=A1?= <mision.oea@mire.gob.pa>\r\n"
           b"Subject: =?utf-8?q?Respuesta_=E2=80=93_Panam?= =?utf-8?q?=C3=A1?=\r\n"
           b"To: dps@oas.org\r\n\r\nbody\r\n")
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert _header(message, "From") == "Misión Permanente – República de Panamá <mision.oea@mire.gob.pa>"
    assert _header(message, "Subject") == "Respuesta – Panamá"
    assert _header(message, "To") == "dps@oas.org"  # no encoded word: as the parser reads it
    broken = email.message_from_bytes(b"Subject: =?x-unknown?q?abc?=\r\n\r\n", policy=email.policy.default)
    assert _header(broken, "Subject")  # an unknown charset: the parser's reading, not nothing
