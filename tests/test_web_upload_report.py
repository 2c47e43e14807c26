"""Uploads ingested in the background with a status page, size limits, and the report page with its
chart and compendium download (Flask's test client)."""

from __future__ import annotations

import io
import re
from email.message import EmailMessage
from pathlib import Path

import pytest
from test_web_support import ADMIN, REVIEWER, SECRET, make_web_data, sign_in, token

import index
from ingest.settings import Settings
from web import WebConfig, create_app
from web.uploads import safe_name

CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "replies"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(scope="module")
def data_dir(corpus_catalog, tmp_path_factory):
    return make_web_data(corpus_catalog, tmp_path_factory.mktemp("web-upload"))


@pytest.fixture(scope="module")
def app(data_dir):
    return create_app(Settings(data_dir), WebConfig(secret_key=SECRET, max_upload_mb=5))


@pytest.fixture()
def reviewer(app):
    client = app.test_client()
    assert sign_in(client, *REVIEWER).status_code == 302
    return client


def fresh_reply(name: str = "cri-2013-table.docx", marker: str = "upload") -> bytes:
    """A corpus reply with changed document properties: the same sections, a new file (new hash)."""
    from docx import Document

    doc = Document(str(CORPUS / name))
    doc.core_properties.subject = f"copy for the {marker} test"
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def upload(client, files: list[tuple[bytes, str]], **fields: str):
    data = {"files": [(io.BytesIO(content), name) for content, name in files], "csrf_token": token(client),
            **fields}
    return client.post("/upload", data=data, content_type="multipart/form-data")


def finished_job(app, client, response) -> tuple[str, str]:
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    location = response.headers["Location"]
    assert app.extensions["mispa"].uploads.wait(300)
    return location.rsplit("/", 1)[1], client.get(location).get_data(as_text=True)


def test_uploading_needs_a_reviewer(app):
    assert app.test_client().get("/upload").status_code == 302


def test_upload_is_ingested_in_the_background_with_each_outcome(app, reviewer, data_dir):
    reply = fresh_reply()
    files = [(reply, "Respuesta Costa Rica.docx"), (b"\x00\x01 not a reply", "notes.xyz")]
    response = upload(reviewer, files)
    job, html = finished_job(app, reviewer, response)
    status = app.extensions["mispa"].uploads.get(job)
    assert status["state"] == "done" and status["user"] == "rita"
    by_file = {o["file"]: o for o in status["outcomes"]}
    assert by_file["Respuesta Costa Rica.docx"]["status"] == "ok"
    assert by_file["Respuesta Costa Rica.docx"]["sections"] == 5
    assert by_file["notes.xyz"]["status"] == "unsupported" and by_file["notes.xyz"]["reason"]
    assert "Finished" in html and "Respuesta Costa Rica.docx" in html and "unsupported format" in html
    new_ids = by_file["Respuesta Costa Rica.docx"]["section_ids"]
    indexed = {h.id for h in index.search(data_dir / "index", "", limit=1000).hits}
    assert set(new_ids) <= indexed
    section = reviewer.get(f"/section/{new_ids[0]}").get_data(as_text=True)
    assert "Respuesta Costa Rica.docx" in section and 'id="download-original"' in section
    assert reviewer.get(f"/section/{new_ids[0]}/original").data == reply


def test_an_uploaded_email_is_expanded_into_its_attachment(app, reviewer):
    message = EmailMessage()
    message["From"] = "Misión Permanente de Costa Rica <mision@rree.go.cr>"
    message["To"] = "dps@oas.org"
    message["Subject"] = "Respuesta al cuestionario"
    message["Date"] = "Mon, 14 Sep 2015 10:00:00 -0500"
    message.set_content("Adjunto la respuesta de Costa Rica.")
    message.add_attachment(fresh_reply(marker="e-mail"), maintype="application", subtype=DOCX.split("/")[1],
                           filename="Respuesta_CRI.docx")
    job, html = finished_job(app, reviewer, upload(reviewer, [(bytes(message), "respuesta.eml")]))
    outcomes = app.extensions["mispa"].uploads.get(job)["outcomes"]
    kinds = {o["kind"]: o for o in outcomes}
    assert kinds["message"]["status"] == "ok"
    assert kinds["file"]["status"] == "ok" and kinds["file"]["sections"] == 5
    assert kinds["file"]["file"] == "respuesta.eml!/Respuesta_CRI.docx"
    assert "e-mail" in html


def test_upload_without_files_or_over_the_limit_says_why(app, reviewer, data_dir):
    response = reviewer.post("/upload", data={"csrf_token": token(reviewer)},
                             content_type="multipart/form-data")
    assert response.status_code == 400 and "Choose at least one file." in response.get_data(as_text=True)
    small = create_app(Settings(data_dir), WebConfig(secret_key=SECRET, max_upload_mb=1),
                       resume_uploads=False)
    client = small.test_client()
    sign_in(client, *REVIEWER)
    big = upload(client, [(b"x" * (1024 * 1024 + 10), "big.pdf")])
    assert big.status_code == 413
    assert "larger than the limit of 1 MB" in big.get_data(as_text=True)
    bad_year = upload(reviewer, [(b"%PDF-1.4", "a.pdf")], year="20")
    assert bad_year.status_code == 400


def test_jobs_are_private_to_their_reviewer_but_not_to_admins(app, reviewer):
    jobs = app.extensions["mispa"].uploads.jobs("rita")
    assert jobs
    job = jobs[0]["id"]
    other = app.test_client()
    from ingest.catalog import Catalog
    from web.users import add_user

    with Catalog(app.extensions["mispa"].settings.catalog_path) as catalog:
        add_user(catalog, "otto", "otto-password", "reviewer")
    sign_in(other, "otto", "otto-password")
    assert other.get(f"/upload/{job}").status_code == 404
    assert other.get("/upload/../../etc").status_code == 404
    admin = app.test_client()
    sign_in(admin, *ADMIN)
    assert admin.get(f"/upload/{job}").status_code == 200
    assert job in admin.get("/upload").get_data(as_text=True)


def test_received_names_are_never_paths():
    assert safe_name("../../etc/passwd", 1) == "passwd"
    assert safe_name("C:\\Users\\x\\Respuesta Perú.docx", 1) == "Respuesta Perú.docx"
    assert safe_name("\x00\x1f.hidden.pdf", 2) == "hidden.pdf"
    assert safe_name("", 3) == "upload-3" and safe_name(None, 4) == "upload-4"
    long = safe_name("a" * 300 + ".docx", 5)
    assert len(long) <= 150 and long.endswith(".docx")


def test_report_page_shows_the_figures_and_the_chart(app):
    client = app.test_client()
    html = client.get("/report").get_data(as_text=True)
    assert "Member States had submitted responses" in html
    assert '<img class="chart" src="/report/chart.png"' in html
    assert re.search(r'href="/\?pillar=2">P2 ', html) and "<meter" in html
    chart = client.get("/report/chart.png")
    assert chart.status_code == 200 and chart.data.startswith(b"\x89PNG")
    spanish = client.get("/report", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Áreas temáticas" in spanish and "Descargar el compendio" in spanish


def test_report_filters_and_downloads(app):
    client = app.test_client()
    filtered = client.get("/report?country=Chile&kind=program").get_data(as_text=True)
    assert "Figures restricted to" in filtered
    assert 'href="/report/compendium.docx?country=Chile&amp;kind=program"' in filtered
    assert client.get("/report?since=someday").status_code == 400
    csv = client.get("/report/figures.csv?country=Chile")
    assert csv.mimetype == "text/csv"
    assert csv.get_data(as_text=True).startswith("figure,member_state,key,value")
    compendium = client.get("/report/compendium.docx?country=Chile")
    assert compendium.status_code == 200 and compendium.data.startswith(b"PK")
    assert "attachment" in compendium.headers["Content-Disposition"]
    from docx import Document

    text = "\n".join(p.text for p in Document(io.BytesIO(compendium.data)).paragraphs)
    assert "Chile" in text
