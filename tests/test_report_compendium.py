"""mispa compendium (issue 7): each section once under each of its pillars, read back with python-docx;
untagged sections apart; empty catalog; PDF through LibreOffice, rendered to a page that is not blank."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter

import pytest
from click.testing import CliRunner
from docx import Document
from report_catalog import AS_OF, build

from report import build_report
from report.compendium import TITLE, convert_to_pdf, write_compendium
from search_cli.cli import cli

ID = re.compile(r"ID ([0-9a-f]{12})$")


@pytest.fixture()
def known(tmp_path):
    catalog, ids = build(tmp_path / "catalog.sqlite")
    report = build_report(catalog, as_of=AS_OF)
    catalog.close()
    return report, ids


def outline(path):
    """[(chapter, area, section id)] for every section written out in full, in document order."""
    chapter = area = ""
    found = []
    for p in Document(str(path)).paragraphs:
        style = p.style.name
        if style == "Heading 1":
            chapter, area = p.text, ""
        elif style == "Heading 2":
            area = p.text
        elif ID.search(p.text):
            found.append((chapter, area, ID.search(p.text).group(1)))
    return found


def test_each_section_once_under_each_of_its_pillars(known, tmp_path):
    report, ids = known
    placed = outline(write_compendium(report, tmp_path / "c.docx"))
    by_id = Counter(sid for _, _, sid in placed)
    for entry in report.entries:
        if entry.kind == "plan":
            assert [c for c, _, s in placed if s == entry.id] == ["National plans"]
        elif not entry.pillars:
            assert [c for c, _, s in placed if s == entry.id] == ["Untagged contributions"]
        else:
            chapters = [c for c, _, s in placed if s == entry.id]
            assert sorted(int(c.split()[1]) for c in chapters) == list(entry.pillars), entry.title
            assert by_id[entry.id] == len(entry.pillars)
    assert len(placed) == sum(max(1, len(e.pillars)) if e.kind != "plan" else 1 for e in report.entries)
    assert ids["Programa del archivo fallido"] not in by_id


def test_sections_sit_in_their_thematic_area_and_are_cross_referenced(known, tmp_path):
    report, ids = known
    path = write_compendium(report, tmp_path / "c.docx")
    where = {(c.split(" –")[0], sid): a for c, a, sid in outline(path)}
    assert where["Pillar 5", ids["Practice Epsilon"]].startswith("5.1 ")
    assert where["Pillar 4", ids["Programme Delta"]].startswith("4.1 ")  # the reviewer's area, not 1.2
    assert where["Pillar 3", ids["Programa Zeta"]] == "Other contributions to this pillar"
    assert where["Pillar 2", ids["Lição Eta"]].startswith("2.5 ")
    text = "\n".join(p.text for p in Document(str(path)).paragraphs)
    assert "See also: Practice Epsilon (Jamaica, best practice), under 5.1" in text
    assert text.count("See also:") == 1  # never in the area the section is written out in
    assert where["Pillar 2", ids["Práctica Theta"]].startswith("2.3 ")  # pillar 2 only through area 2.3


def test_key_fields_are_labelled_in_the_replys_language(known, tmp_path):
    report, _ = known
    doc = Document(str(write_compendium(report, tmp_path / "c.docx")))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Objetivo: Reducir la violencia intrafamiliar." in text  # Chile, es
    assert "Resultados alcançados: Queda de 20%." in text  # Brazil, pt
    assert "Prioritized needs: Community trust." in text  # Jamaica, en
    assert "Institución responsable: Ministerio Chile" in text
    assert "Persona a cargo: Ana Pérez" in text and "Correo electrónico: ana@example.org" in text


def test_title_page_statistics_chart_and_contents(known, tmp_path):
    report, _ = known
    doc = Document(str(write_compendium(report, tmp_path / "c.docx")))
    texts = [p.text for p in doc.paragraphs]
    assert TITLE in texts[:10] and "As of 31 January 2016" in texts[:12]
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings[:3] == ["Statistics", "National plans", "Pillar 1 – Public security management"]
    assert headings[-1] == "Untagged contributions"
    assert any("a total of 4 Member States" in t for t in texts)
    assert len(doc.inline_shapes) == 1  # the chart
    assert 'TOC \\o "1-2"' in doc.element.body.xml
    pillar_table = doc.tables[0]
    assert [c.text for c in pillar_table.rows[2].cells][-1] == "4"  # pillar 2: 4 sections
    assert [c.text for c in pillar_table.rows[-1].cells] == ["Untagged", "0", "1", "0", "1"]


def test_empty_catalog_compendium_says_no_replies_yet(tmp_path):
    result = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "compendium", "--out",
                                      str(tmp_path / "e.docx")], catch_exceptions=False)
    assert result.exit_code == 0
    texts = [p.text for p in Document(str(tmp_path / "e.docx")).paragraphs]
    assert any(t.startswith("No replies yet") for t in texts) and TITLE in texts


def test_cli_writes_docx_and_fails_with_1_when_soffice_is_missing(known, tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda *_a, **_k: None)
    out = tmp_path / "out" / "compendio.docx"
    result = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "compendium", "--out", str(out), "--pdf"],
                                catch_exceptions=False)
    assert result.exit_code == 1
    assert "LibreOffice (soffice) is not installed" in result.output
    assert len(outline(out)) == 14


def test_cli_rejects_an_out_file_that_is_not_docx(tmp_path):
    result = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "compendium", "--out",
                                      str(tmp_path / "c.pdf")])
    assert result.exit_code == 2


@pytest.mark.skipif(not (shutil.which("soffice") or shutil.which("libreoffice"))
                    or not shutil.which("pdftoppm"), reason="LibreOffice (soffice) and pdftoppm are needed")
def test_libreoffice_converts_it_and_page_one_is_not_blank(known, tmp_path):
    report, _ = known
    pdf = convert_to_pdf(write_compendium(report, tmp_path / "c.docx"), timeout=240)
    assert pdf.read_bytes().startswith(b"%PDF-")
    for page in (1, 2):  # the title page, and the statistics with the chart
        subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", str(page), "-l", str(page), "-singlefile",
                        str(pdf), str(tmp_path / f"page{page}")], check=True, timeout=120)
        assert not_blank(tmp_path / f"page{page}.png"), page


def not_blank(png) -> bool:
    try:
        from PIL import Image, ImageStat
    except ImportError:  # no Pillow: a blank page compresses to almost nothing
        return png.stat().st_size > 2500
    with Image.open(png) as image:
        return max(ImageStat.Stat(image.convert("L")).stddev) > 3
