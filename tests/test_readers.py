"""Readers: DOCX built in code with explicit structure, a corpus PDF, and format sniffing."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from ingest.dispatch import read_document
from ingest.errors import CorruptDocument, EmptyDocument, UnsupportedFormat
from ingest.model import ExtractedDocument, Format
from ingest.sniff import sniff_format

CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "replies"


def _docx(path: Path) -> Path:
    d = docx.Document()
    d.add_heading("Programa: Barrio en Paz", level=1)
    d.add_paragraph("Primer párrafo.")
    t = d.add_table(rows=3, cols=2)
    merged = t.cell(0, 0).merge(t.cell(0, 1))
    merged.text = "b. Información sobre Programas"
    t.cell(1, 0).text = "Institución responsable:"
    cell = t.cell(1, 1)
    cell.paragraphs[0].add_run("Nombre de la institución: Ministerio")
    cell.paragraphs[0].add_run().add_break()
    cell.paragraphs[0].add_run("Persona a cargo: Ana Pérez")
    inner = t.cell(2, 1).add_table(rows=1, cols=2)
    inner.cell(0, 0).text = "a"
    inner.cell(0, 1).text = "b"
    t.cell(2, 0).text = "Otra información importante:"
    t.cell(2, 1).paragraphs[0].add_run("Primer párrafo de la celda.")
    t.cell(2, 1).add_paragraph("Segundo párrafo.")
    d.add_paragraph("Después de la tabla.")
    d.save(path)
    return path


def test_docx_blocks_in_document_order(tmp_path):
    doc = read_document(_docx(tmp_path / "x.docx"))
    kinds = [b.kind for b in doc.blocks]
    assert kinds == ["heading", "paragraph", "table", "paragraph"]
    table = doc.blocks[2]
    assert table.rows[0] == ("b. Información sobre Programas",)  # merged cell given once
    assert "Nombre de la institución: Ministerio\nPersona a cargo: Ana Pérez" == table.rows[1][1]  # a line break
    # paragraphs and a nested table (flattened) in document order, a blank line between two
    assert table.rows[2][1] == "Primer párrafo de la celda.\n\na | b\n\nSegundo párrafo."


def test_pdf_table_continued_over_pages_is_one_table():
    doc = read_document(CORPUS / "ury-2014-tablepdf.pdf")
    assert doc.format == Format.PDF and doc.page_count and doc.page_count > 1
    assert any(b.kind == "table" and b.last_page and b.last_page > (b.page or 0) for b in doc.blocks)


def test_format_by_signature_not_extension(tmp_path):
    disguised = tmp_path / "reply.docx"
    disguised.write_bytes((CORPUS / "ury-2014-tablepdf.pdf").read_bytes())
    assert sniff_format(disguised) == Format.PDF
    assert read_document(disguised).format == Format.PDF


@pytest.mark.parametrize("name,content,error,reason", [
    ("empty.pdf", b"", EmptyDocument, "empty"),
    ("page.docx", b"<!DOCTYPE html><html><body>hola</body></html>", UnsupportedFormat, "HTML"),
    ("noise.pdf", b"\x00\x01binary noise" * 10, UnsupportedFormat, "named .pdf"),
])
def test_bad_files_get_a_reason(tmp_path, name, content, error, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(error, match=reason):
        read_document(path)


def test_docx_without_main_part(tmp_path):
    import zipfile
    path = tmp_path / "broken.docx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
    with pytest.raises(CorruptDocument, match="word/document.xml"):
        read_document(path)


def test_docx_with_doctype_is_refused(tmp_path):
    src = _docx(tmp_path / "ok.docx")
    import zipfile
    bad = tmp_path / "entity.docx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(bad, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "word/document.xml":
                data = data.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>', 1)
            zout.writestr(item, data)
    with pytest.raises(CorruptDocument, match="DOCTYPE"):
        read_document(bad)


def test_pdf_paragraph_gap_sits_between_line_gaps_and_paragraph_gaps():
    from ingest.readers.pdf import _paragraph_gap

    # More paragraph gaps than line gaps (many short paragraphs): the median is a paragraph gap,
    # which used to run the paragraphs together.
    page = [3.7] * 9 + [13.7] * 16
    assert 3.7 < _paragraph_gap(page, 11.0) < 13.7
    ocr = [0.9, 1.7, 2.0, 2.9, 4.1, 4.2, 11.4, 12.4, 15.9]  # OCR's line gaps vary by a few points
    assert 4.2 < _paragraph_gap(ocr, 12.9) < 11.4
    assert _paragraph_gap([3.5, 3.7, 3.9, 3.6], 11.0) == pytest.approx(3.65 * 1.8)  # one paragraph: no jump, as before
    assert _paragraph_gap([13.7] * 5, 11.0) > 13.7  # only paragraph-sized gaps: kept together, as before
    assert _paragraph_gap([700.0], 11.0) == 33.0  # a page of tables: its running head and its foot
    assert 3.7 < _paragraph_gap([3.7] * 9 + [13.7] * 4 + [30.0] * 2, 11.0) < 13.7  # and gaps before headings
    assert _paragraph_gap([], 11.0) == 4.0


def test_pdf_paragraph_cut_by_a_page_break_is_one_paragraph():
    from ingest.model import Block
    from ingest.readers.pdf import _append_page
    from ingest.sections import split_sections

    blocks = [Block(kind="paragraph", text="Nombre del programa: Parques\nEvaluación: registro de", page=3)]
    _append_page(blocks, [Block(kind="paragraph", text="actividades y denuncias.", page=4),
                          Block(kind="paragraph", text="Resultados: 31 parques.", page=4)])
    assert [b.text for b in blocks] == ["Nombre del programa: Parques\nEvaluación: registro de\nactividades y denuncias.",
                                        "Resultados: 31 parques."]
    (section,) = split_sections(ExtractedDocument(path="x", format=Format.PDF, blocks=tuple(blocks))).sections
    assert section.fields["evaluation"] == "registro de actividades y denuncias."
    assert (section.page_start, section.page_end) == (3, 4)
    ended = [Block(kind="paragraph", text="Evaluación: registro.", page=3)]
    _append_page(ended, [Block(kind="paragraph", text="a new paragraph", page=4)])
    assert len(ended) == 2  # the page ended its sentence
    capital = [Block(kind="paragraph", text="Evaluación: registro de", page=3)]
    _append_page(capital, [Block(kind="paragraph", text="Resultados: 31", page=4)])
    assert len(capital) == 2  # a new label, not the sentence going on
    name = [Block(kind="paragraph", text="Período: la Comisión y el", page=1)]
    _append_page(name, [Block(kind="paragraph", text="Ministerio del Interior rinde cuentas.", page=2)])
    assert len(name) == 1  # a proper noun (or OCR's capital) going on with the sentence
    link = [Block(kind="paragraph", text="Enlace: www.gub.uy/plan", page=1)]
    _append_page(link, [Block(kind="paragraph", text="Programa Barrio Seguro", page=2)])
    assert len(link) == 2  # a link is no unfinished sentence


def test_pdf_page_numbers_and_running_heads_are_taken_out():
    # tests/data/running-heads.pdf: a Word reply exported by LibreOffice, two pages, each with the
    # header "Misión Permanente de la República de Chile ante la OEA" and the footer "Página N de 3";
    # the second program's lines of action run over the page break.
    from ingest.sections import split_sections

    doc = read_document(Path(__file__).parent / "data" / "running-heads.pdf")
    texts = [b.text for b in doc.blocks]
    assert not any(t.startswith("Página") for t in texts)
    assert sum(t.startswith("Misión Permanente") for t in texts) == 1  # page 1's, the letterhead
    second = split_sections(doc).sections[1]
    assert "Página" not in second.fields["lines_of_action"] and "Misión" not in second.fields["lines_of_action"]
    assert "mentoría y deporte en los barrios" in second.fields["lines_of_action"].replace("\n", " ")


def test_running_lines_need_to_repeat_and_page_numbers_to_be_alone():
    from ingest.model import Block
    from ingest.readers.pdf import _drop_running_lines

    def P(text, page):  # noqa: N802
        return Block(kind="paragraph", text=text, page=page)

    pages = [[P("Ministerio de Seguridad", n), P(f"Texto {n}.", n), P(f"- {n} -", n)] for n in (1, 2, 3)]
    pages[2].append(P("Page 3 of 3", 3))
    pages[1].append(P("Página.2 de 3", 2))  # OCR's full stop
    pages.append([P("Anexo", 4), P("Cuadro 2: 45 casos", 4), P("Total 2019", 4)])
    _drop_running_lines(pages)
    assert [[b.text for b in blocks] for blocks in pages] == [
        ["Ministerio de Seguridad", "Texto 1."], ["Texto 2."], ["Texto 3."],
        ["Anexo", "Cuadro 2: 45 casos", "Total 2019"]]


def test_pdf_table_cell_keeps_its_paragraphs_apart():
    from ingest.readers.pdf import _cell_text, _Line

    def line(top, text):
        return _Line(top=top, bottom=top + 11, x0=0, text=text, size=11, bold=False)

    cell = [line(0, "First paragraph that wraps"), line(14, "onto a second line."),
            line(36, "Second paragraph, after a gap."), line(50, "- an item")]
    assert _cell_text(cell) == ("First paragraph that wraps\nonto a second line.\n\n"
                                "Second paragraph, after a gap.\n- an item")
    assert _cell_text(cell[:2]) == "First paragraph that wraps\nonto a second line."


def test_pdf_table_cell_joins_a_word_or_a_link_broken_over_lines():
    from ingest.readers.pdf import _unwrapped

    # col-2022-tablepdf: the cell wraps its link after a slash.
    assert _unwrapped("https://www.policia.gov.co/participacion-ciudadana/\nfrentes-seguridad") == (
        "https://www.policia.gov.co/participacion-ciudadana/frentes-seguridad")
    assert _unwrapped("www.gob.ar/seguridad/\n2023/informe") == "www.gob.ar/seguridad/2023/informe"
    assert _unwrapped("audiencia-de-\ncustodia") == "audiencia-de-custodia"
    # A line after a link that ends with a slash is a new sentence when it starts in capitals;
    # and a slash that ends no link breaks nothing.
    assert _unwrapped("Ver www.gob.ar/seguridad/\nLos aportes privados") == (
        "Ver www.gob.ar/seguridad/\nLos aportes privados")
    assert _unwrapped("Ministerio de Seguridad/\nministerio del interior") == (
        "Ministerio de Seguridad/\nministerio del interior")


def test_docx_reads_tracked_insertions_and_content_controls(tmp_path):
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def element(tag, text=None, **attrs):
        e = OxmlElement(tag)
        for k, v in attrs.items():
            e.set(qn(k), v)
        if text is not None:
            e.text = text
            e.set(qn("xml:space"), "preserve")
        return e

    def run(text, tag="w:t"):
        r = element("w:r")
        r.append(element(tag, text))
        return r

    def wrap(child):  # into a content control, as a template's form field
        control, content = element("w:sdt"), element("w:sdtContent")
        control.append(content)
        child.addprevious(control)
        content.append(child)

    d = docx.Document()
    p = d.add_paragraph("Población objetivo: jóvenes ")
    inserted = element("w:ins", **{"w:id": "1", "w:author": "MRE", "w:date": "2020-05-04T00:00:00Z"})
    inserted.append(run("de 15 a 24 años "))
    deleted = element("w:del", **{"w:id": "2", "w:author": "MRE", "w:date": "2020-05-04T00:00:00Z"})
    deleted.append(run("de todo el país ", "w:delText"))
    p._p.append(inserted)
    p._p.append(deleted)
    p.add_run("de Santiago.")
    wrap(d.add_paragraph("Líneas de acción: talleres.")._p)
    table = d.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Resultados"
    answer = table.cell(0, 1)._tc.find(qn("w:p"))
    wrap(answer)
    answer.append(run("Menos robos."))
    path = tmp_path / "tracked.docx"
    d.save(path)

    doc = read_document(path)
    texts = [b.text for b in doc.blocks]
    assert texts[0] == "Población objetivo: jóvenes de 15 a 24 años de Santiago."  # inserted kept, deleted not
    assert texts[1] == "Líneas de acción: talleres."  # inside a content control
    assert doc.blocks[2].rows == (("Resultados", "Menos robos."),)


def test_docx_shows_the_numbers_word_puts_before_list_items(tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph("Líneas de acción:")
    for item in ("talleres", "mentoría", "deporte"):
        d.add_paragraph(item, style="List Number")  # numbered by the style, as Word's list button does
    d.add_paragraph("Resultados:")
    d.add_paragraph("menos robos", style="List Bullet")
    path = tmp_path / "numbered.docx"
    d.save(path)
    texts = [b.text for b in read_document(path).blocks]
    assert texts == ["Líneas de acción:", "1. talleres", "2. mentoría", "3. deporte", "Resultados:", "- menos robos"]


def test_docx_number_formats():
    from ingest.readers.docx import _formatted

    assert [_formatted(n, "upperRoman") for n in (1, 4, 9, 14)] == ["I", "IV", "IX", "XIV"]
    assert [_formatted(n, "lowerLetter") for n in (1, 26, 27)] == ["a", "z", "aa"]
    assert _formatted(3, "decimal") == "3" and _formatted(3, "decimalZero") == "03"


def _table(rows: list[tuple[str, ...]], page: int):
    from ingest.model import Block

    return Block(kind="table", rows=tuple(rows), page=page, text="\n".join(" | ".join(r) for r in rows))


def test_pdf_table_row_cut_by_a_page_break_is_one_row():
    # guy-2025-tablepdf: "Targeted / population:" and its answer cut by the page break
    from ingest.readers.pdf import _append_page

    labels = [("Member State:", "Guyana"), ("Name of the program:", "ICIS"), ("Corresponding MISPA pillar:", "III")]
    blocks = [_table([*labels, ("Targeted", "The 11 police divisions and their 117")], page=2)]
    _append_page(blocks, [_table([("population:", "stations and outposts."), ("Prioritized needs:", "x")], page=3)])
    assert blocks[0].rows[-2:] == (("Targeted\npopulation:", "The 11 police divisions and their 117\nstations and outposts."),
                                   ("Prioritized needs:", "x"))
    # the table's labels end with a colon: a part without one goes on in the next part that has it
    cut = [_table([*labels, ("Responsible", "Name of the institution: Ministry")], page=1)]
    _append_page(cut, [_table([("Institution:", "Person in charge: Ms. Li")], page=2)])
    assert cut[0].rows[-1] == ("Responsible\nInstitution:", "Name of the institution: Ministry\nPerson in charge: Ms. Li")
    # whole rows on either side of the break stay apart
    whole = [_table([*labels, ("Targeted population:", "Youth.")], page=1)]
    _append_page(whole, [_table([("Prioritized needs:", "Jobs.")], page=2)])
    assert whole[0].rows[-2:] == (("Targeted population:", "Youth."), ("Prioritized needs:", "Jobs."))
    bare = [_table([("Member State", "Peru"), ("Name of the program", "ICIS"), ("Targeted population", "Youth.")], 1)]
    _append_page(bare, [_table([("Prioritized needs", "Jobs.")], page=2)])
    assert len(bare[0].rows) == 4  # labels without colons: a capital starts a new one
    go_on = [_table([*labels, ("Results:", "31 parks")], page=1)]
    _append_page(go_on, [_table([("", "and 4 plazas.")], page=2)])
    assert go_on[0].rows[-1] == ("", "and 4 plazas.")  # an answer going on alone is left to the sections


def test_pdf_footnote_rule_needs_small_type_under_it():
    from types import SimpleNamespace

    from ingest.readers.pdf import _without_footnotes

    def word(text, x0, top, size=11.0):
        return {"text": text, "x0": x0, "x1": x0 + 6 * len(text) * size / 11, "top": top, "bottom": top + size, "size": size}

    words = [word("Texto", 71, 100), word("del", 110, 100), word("campo", 140, 100), word("derecho", 460, 100),
             word("1", 71, 699, 9.0), word("Nota", 80, 700, 9.0), word("al", 110, 700, 9.0)]
    rule = {"x0": 71, "x1": 190, "top": 690, "bottom": 690.5}
    page = SimpleNamespace(rects=[rule], lines=[], height=842)
    assert [w["text"] for w in _without_footnotes(page, words)] == ["Texto", "del", "campo", "derecho"]
    body_size = [*words[:4], word("1", 71, 699), word("texto", 100, 700), word("normal", 130, 700)]
    assert len(_without_footnotes(page, body_size)) == 7  # a rule over text of the body's size: no notes
    unnumbered = [*words[:4], word("Fuente:", 71, 700, 9.0), word("INE", 120, 700, 9.0), word("2024", 150, 700, 9.0)]
    assert len(_without_footnotes(page, unnumbered)) == 7  # small type under a rule, but no note's number
    assert len(_without_footnotes(page, words, [(65, 600, 400, 800)])) == 7  # a rule of a table: no notes
    high = SimpleNamespace(rects=[{**rule, "top": 90, "bottom": 90.5}], lines=[], height=842)
    assert len(_without_footnotes(high, words)) == 7  # a rule high on the page: no notes
    # a mark: small, raised, against a word; a small number after a number is an exponent
    mark = {**word("2", 0, 98, 6.5)}
    after_word = [word("Ley", 71, 100), {**mark, "x0": 89.0, "x1": 92.5}, {**word(",", 92.5, 100)}]
    assert [w["text"] for w in _without_footnotes(page, after_word)] == ["Ley,"]
    after_number = [word("10", 71, 100), {**mark, "x0": 83.0, "x1": 86.5}]
    assert [w["text"] for w in _without_footnotes(page, after_number)] == ["10", "2"]
    after_unit = [word("km", 71, 100), {**mark, "x0": 83.0, "x1": 86.5}]
    assert [w["text"] for w in _without_footnotes(page, after_unit)] == ["km", "2"]  # km², not a note


def test_pdf_footnotes_and_their_marks_are_left_out():
    # bra-2005-paragraphpdf: "Estatuto do Desarmamento¹, permite..." with its note at the foot of page 3
    text = "\n".join(b.text for b in read_document(CORPUS / "bra-2005-paragraphpdf.pdf").blocks if b.kind == "paragraph")
    assert "Estatuto do\nDesarmamento, permite" in text
    assert "Lei nº 10.826" not in text  # the footnote
    assert "Página" not in text


def test_pdf_bullets_read_as_the_word_reader_gives_them():
    # bol-2024-paragraphpdf: Word's bullet list ("•" in the PDF) reads "- item", as from the .docx
    text = "\n".join(b.text for b in read_document(CORPUS / "bol-2024-paragraphpdf.pdf").blocks)
    assert "- Convenios con 23 gobiernos" in text
    assert "•" not in text
