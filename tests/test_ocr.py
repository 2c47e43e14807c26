"""Scanned PDFs: Tesseract OCR, OCR-noise-tolerant labels, and needs_ocr + --retry without Tesseract."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from ingest.labels import match_heading, match_label
from ingest.model import Block, ExtractedDocument, Format, SectionKind
from ingest.ocr import parse_tsv
from ingest.sections import split_sections
from search_cli.cli import cli

REPLIES = Path(__file__).resolve().parent.parent / "corpus" / "replies"
has_ocr = bool(shutil.which("tesseract") and shutil.which("pdftoppm"))
needs_tesseract = pytest.mark.skipif(not has_ocr, reason="tesseract or pdftoppm is not installed")
HEADER = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"


def _row(block: int, line: int, left: int, top: int, height: int, text: str) -> str:
    return f"5\t1\t{block}\t1\t{line}\t1\t{left}\t{top}\t{len(text) * 20}\t{height}\t95\t{text}"


def test_tsv_words_become_lines_in_points_with_their_size():
    tsv = "\n".join(
        [
            HEADER,
            _row(1, 1, 300, 300, 50, "Programa:"),
            _row(1, 1, 600, 300, 50, "Barrio"),
            _row(1, 2, 300, 420, 36, "Desde"),
            _row(1, 2, 500, 432, 24, "aun"),
            "4\t1\t1\t1\t2\t0\t300\t420\t500\t40\t-1\t",
        ]
    )
    first, second = parse_tsv(tsv, dpi=300)
    assert first.text == "Programa: Barrio" and second.text == "Desde aun"
    assert first.x0 == pytest.approx(72.0)
    assert first.size == pytest.approx(50 / 0.7 * 72 / 300)  # from the capitals' height
    assert second.size == pytest.approx(36 / 0.7 * 72 / 300)  # "aun" (x-height only) does not count
    # Lines are placed by baseline and size, so a line without capitals does not look farther away.
    assert second.top - first.bottom == pytest.approx(
        (456 - 0.7 * 36 / 0.7 - (350 + 0.2 * 50 / 0.7)) * 72 / 300
    )


@pytest.mark.parametrize(
    ("line", "field", "value"),
    [
        ("Población objetivo; jóvenes de 14 a 29 años", "target_population", "jóvenes de 14 a 29 años"),
        ("Persona a cargo; Ana Pérez", "contact_person", "Ana Pérez"),
        ("Poblaci6n objetivo: jóvenes", "target_population", "jóvenes"),
        ("Nombre del prograrna: Barrio Seguro", "title_program", "Barrio Seguro"),
        ("Targeted popu1ation: youth at risk", "target_population", "youth at risk"),
        ("Metodologia de evaluaci6n: encuestas", "evaluation", "encuestas"),
    ],
)
def test_labels_read_through_ocr_noise(line, field, value):
    m = match_label(line)
    assert m is not None and (m.field, m.value) == (field, value)


@pytest.mark.parametrize(
    "line", ["El programa; se ejecuta en 2015", "Los jóvenes; muchos de ellos desertores"]
)
def test_a_semicolon_after_ordinary_words_is_not_a_label(line):
    assert match_label(line) is None


@pytest.mark.parametrize(
    ("text", "kind", "title"),
    [
        ("b. Informaci6n sobre Programas de Seguridad Pública", SectionKind.PROGRAM, ""),
        ("Inforrnación sobre Lecciones Aprendidas en Seguridad Pública", SectionKind.LESSON, ""),
        ("lnformation on Good Practices in Public Security", SectionKind.PRACTICE, ""),
        ("Prograrna: Barrio Seguro", SectionKind.PROGRAM, "Barrio Seguro"),
        ("Buena práctica - Contr0l integrado", SectionKind.PRACTICE, "Contr0l integrado"),
    ],
)
def test_headings_read_through_ocr_noise(text, kind, title):
    m = match_heading(text)
    assert m is not None and (m.kind, m.title) == (kind, title)


def test_ocr_noisy_paragraphs_split_into_sections():
    blocks = (
        Block("paragraph", "Inforrnación sobre Programas de Seguridad Pública", page=1),
        Block(
            "paragraph",
            "Estado Miernbro: República de Panamá\nNombre del prograrna; Barrio Seguro\n"
            "Poblaci6n objetivo: jóvenes de los barrios\ncon más homicidios",
            page=1,
        ),
        Block("paragraph", "lnformación sobre Buenas Prácticas en Seguridad Pública", page=2),
        Block(
            "paragraph",
            "Nombre de la buena práctica: Mesas barriales\nObjetivo; que los vecinos participen",
            page=2,
        ),
    )
    split = split_sections(ExtractedDocument("x.pdf", Format.PDF, blocks))
    got = [(s.kind, s.title, s.member_state_text) for s in split.sections]
    assert got == [
        (SectionKind.PROGRAM, "Barrio Seguro", "República de Panamá"),
        (SectionKind.PRACTICE, "Mesas barriales", ""),
    ]
    assert split.sections[0].fields["target_population"] == "jóvenes de los barrios con más homicidios"
    assert split.sections[1].fields["objective"] == "que los vecinos participen"


@pytest.mark.parametrize(("read", "email"), [
    ("prevencionOsesnsp.gob.mx", "prevencion@sesnsp.gob.mx"),  # "@" read as "O"
    ("subdireccion.tecnicaQinr.minterior.gub.uy", "subdireccion.tecnica@inr.minterior.gub.uy"),  # as "Q"
    ("entregavoluntariaGdanmac.gob.ar", "entregavoluntariaGdanmac.gob.ar"),  # two letters: left as read
    ("Observatorio.Nacional@minseg.gob.ar", "Observatorio.Nacional@minseg.gob.ar"),  # has its "@"
])
def test_an_ocr_misread_at_sign_of_a_contact_address_is_put_back(read, email):
    blocks = (
        Block("paragraph", "Información sobre Programas de Seguridad Pública", page=1),
        Block("paragraph", f"Nombre del programa: Barrio Seguro\nCorreo electrónico: {read}\n"
                           "Población objetivo: jóvenes", page=1),
    )
    section = split_sections(ExtractedDocument("x.pdf", Format.PDF, blocks)).sections[0]
    assert section.email == email


def _scan(tmp_path: Path) -> Path:
    """A one-page image-only PDF made from a corpus page (tune split), like a photocopy."""
    from PIL import Image

    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm is not installed")
    subprocess.run(
        [
            "pdftoppm",
            "-singlefile",
            "-f",
            "1",
            "-l",
            "1",
            "-r",
            "150",
            "-gray",
            "-png",
            str(REPLIES / "per-2016-narrativepdf.pdf"),
            str(tmp_path / "page"),
        ],
        check=True,
        timeout=120,
    )
    target = tmp_path / "scan" / "peru-firmado.pdf"
    target.parent.mkdir()
    Image.open(tmp_path / "page.png").convert("1").save(target, "PDF", resolution=150.0)
    return target


def _run(data: Path, *args: str):
    return CliRunner().invoke(cli, ["--data-dir", str(data), *args], catch_exceptions=False)


def test_without_tesseract_a_scan_needs_ocr_naming_the_package(tmp_path, monkeypatch):
    scan = _scan(tmp_path)
    (tmp_path / "bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    out = _run(tmp_path / "data", "ingest", str(scan), "--json")
    assert out.exit_code == 1
    (entry,) = json.loads(out.output)["files"]
    assert (
        entry["status"] == "needs_ocr"
        and "tesseract-ocr" in entry["reason"]
        and "no text layer" in entry["reason"]
    )


@needs_tesseract
def test_retry_ocrs_the_scan_and_marks_its_text_in_catalog_and_search(tmp_path, monkeypatch):
    scan = _scan(tmp_path)
    with monkeypatch.context() as m:
        (tmp_path / "bin").mkdir()
        m.setenv("PATH", str(tmp_path / "bin"))
        assert _run(tmp_path / "data", "ingest", str(scan)).exit_code == 1
    out = json.loads(_run(tmp_path / "data", "ingest", "--retry", "--json").output)
    assert out["files"][0]["status"] == "ok" and out["files"][0]["sections"] >= 1
    from ingest.catalog import Catalog

    catalog = Catalog(tmp_path / "data" / "catalog.sqlite")
    doc = catalog.db.execute("SELECT ocr, metadata, member_state FROM documents").fetchone()
    assert (
        doc["ocr"] == 1
        and json.loads(doc["metadata"])["ocr_language"] == "spa"
        and doc["member_state"] == "Peru"
    )
    section = next(catalog.iter_sections())
    assert section["ocr"] == 1 and section["kind"] == "program"
    from search_cli.records import index_record

    assert index_record(section, [])["ocr"] is True
    hits = json.loads(_run(tmp_path / "data", "search", "brigadas", "--format", "json").output)["hits"]
    assert hits and all(h["ocr"] is True for h in hits)
