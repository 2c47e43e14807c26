"""Scanned pages: straightening, a ruled table's rules found (and erased) on a noisy image, and the
table's cells rebuilt from them with each OCR'd word in its cell."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from ingest import scan_image
from ingest.ocr import OcrPage, OcrWord
from ingest.readers.pdf import _ocr_blocks

DPI = 300
PT = DPI / 72  # pixels per point


def _page(draw_table: bool, seed: int = 1) -> Image.Image:
    """A letter page at 300 dpi: a heading, a paragraph of 'words', and (or not) a two-column ruled
    table of four rows, drawn with thin rules that a photocopy broke here and there."""
    rng = random.Random(seed)
    image = Image.new("L", (round(8.5 * DPI), 11 * DPI), 255)
    draw = ImageDraw.Draw(image)

    def words(x0: float, y: float, x1: float) -> None:  # a line of text: blobs of letters
        x = x0
        while x < x1 - 40:
            width = rng.randint(40, 220)
            for letter in range(int(x), int(min(x + width, x1)), 22):
                draw.rectangle((letter, y, letter + 16, y + 30), fill=0)  # a letter, 22 px apart
            x += width + 14  # a word space

    words(300, 300, 1800)  # heading
    draw.rectangle((300, 345, 1800, 347), fill=0)  # a rule under it: no table
    for n in range(8):
        words(300, 420 + n * 55, 2250)
    if draw_table:
        top, left, middle, right = 1000, 270, 920, 2230
        rows = [top, top + 70, top + 200, top + 270, top + 560]
        for y in rows:  # horizontal rules, 3 px, with gaps a photocopy leaves
            draw.rectangle((left, y, right, y + 2), fill=0)
        for x in (left, right):
            draw.rectangle((x, top, x + 2, rows[-1] + 2), fill=0)
        # the first row is a title over both columns; the column rule starts a little above the
        # second rule (as where a letter touches it)
        draw.rectangle((middle, rows[1] - 10, middle + 2, rows[-1] + 2), fill=0)
        draw.rectangle((left - 16, rows[2], left, rows[2] + 2), fill=0)  # a rule running past the frame
        for _ in range(60):
            gap_x, gap_y = rng.randint(left, right - 8), rng.choice(rows)
            draw.rectangle((gap_x, gap_y, gap_x + rng.randint(2, 7), gap_y + 2), fill=255)
        for _ in range(10):
            gap_x, gap_y = rng.choice((left, middle, right)), rng.randint(top, rows[-1])
            draw.rectangle((gap_x, gap_y, gap_x + 2, gap_y + rng.randint(1, 3)), fill=255)
        # a tall letter in a one-line row, 6 px from the rules above and below: no rule
        draw.rectangle((1500, top + 9, 1506, top + 64), fill=0)
        for a, b in zip(rows, rows[1:]):
            words(left + 30, a + 20, middle - 30)
            for line in range(max(1, (b - a - 20) // 55)):
                words(middle + 30, a + 20 + line * 55, right - 30)
    return image


def _prepared(tmp_path: Path, image: Image.Image) -> tuple[list[dict], Image.Image]:
    path = tmp_path / "page.png"
    image.save(path)
    edges = scan_image.prepare(path, DPI)
    with Image.open(path) as done:
        return edges, done.convert("L").copy()


@pytest.mark.parametrize("angle", [0.0, 0.6, -0.45])
def test_skew_is_the_turn_that_levels_the_page(angle):
    import numpy as np

    page = _page(draw_table=True).rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=255)
    assert scan_image.skew(np.asarray(page) < 128) == pytest.approx(-angle, abs=0.06)


def test_a_tilted_broken_ruled_table_gives_its_rules_in_points(tmp_path):
    page = _page(draw_table=True).rotate(0.5, resample=Image.Resampling.BILINEAR, fillcolor=255)
    edges, image = _prepared(tmp_path, page)
    horizontal = sorted(e["top"] for e in edges if e["orientation"] == "h")
    vertical = sorted(e["x0"] for e in edges if e["orientation"] == "v")
    # Straightened about the page's centre, the rules land within a point or two of where drawn.
    assert horizontal == pytest.approx([y / PT for y in (1001, 1071, 1201, 1271, 1561)], abs=2.0)
    assert vertical == pytest.approx([x / PT for x in (271, 921, 2231)], abs=2.0)
    for e in edges:
        assert e["x1"] - e["x0"] > 400 if e["orientation"] == "h" else e["bottom"] - e["top"] > 100
    # The rules are erased (Tesseract reads no "|" or "_"); the text inside the cells is kept.
    import numpy as np

    pixels = np.asarray(image)
    middle_row = round(1271)  # the fourth rule, once straightened: little ink left along it
    assert (pixels[middle_row - 3:middle_row + 4, 400:2100] < 128).mean() < 0.2
    assert (pixels[1020:1050, 300:900] < 128).mean() > 0.2  # the first label's letters


def test_a_page_of_text_has_no_rules_and_is_left_alone_when_level(tmp_path):
    page = _page(draw_table=False)
    path = tmp_path / "page.png"
    page.save(path)
    before = path.read_bytes()
    assert scan_image.prepare(path, DPI) == []
    assert path.read_bytes() == before


def _word(line: int, x0: float, top: float, text: str) -> OcrWord:
    return OcrWord((1, 1, line), x0, top, x0 + 6.0 * len(text), top + 8.0, text)


def test_ocr_words_land_in_the_cells_of_the_rules_and_the_rest_in_paragraphs():
    def h(y: float, x0: float = 60, x1: float = 540) -> dict:
        return {"orientation": "h", "x0": x0, "x1": x1, "top": y, "bottom": y, "width": x1 - x0, "height": 0}

    def v(x: float, top: float = 200, bottom: float = 320) -> dict:
        return {"orientation": "v", "x0": x, "x1": x, "top": top, "bottom": bottom, "width": 0,
                "height": bottom - top}

    rules = [h(200), h(240), h(320), v(60), v(220), v(540)]
    words = [
        _word(1, 72, 100, "Información"), _word(1, 150, 100, "sobre"), _word(1, 190, 100, "Programas"),
        # Tesseract read a label and its answer as one line: the rule between them parts it
        _word(2, 66, 210, "Nombre"), _word(2, 110, 210, "del"), _word(2, 135, 210, "programa:"),
        _word(2, 226, 210, "Barrio"), _word(2, 270, 210, "Seguro"),
        _word(3, 66, 250, "Población"), _word(3, 130, 250, "objetivo:"),
        _word(4, 226, 250, "jóvenes"), _word(4, 275, 250, "de"), _word(4, 292, 250, "14"),
        _word(5, 226, 262, "a"), _word(5, 236, 262, "29"), _word(5, 254, 262, "años"),
        _word(6, 72, 340, "Nota:"), _word(6, 110, 340, "destacar"),
    ]
    blocks = _ocr_blocks(OcrPage(words=words, rules=rules), 2)
    assert [b.kind for b in blocks] == ["paragraph", "table", "paragraph"]
    table = blocks[1]
    assert table.rows == (("Nombre del programa:", "Barrio Seguro"),
                          ("Población objetivo:", "jóvenes de 14\na 29 años"))
    assert blocks[0].text == "Información sobre Programas" and blocks[2].text == "Nota: destacar"
    assert table.page == 2


def _h(y: float, x0: float = 60, x1: float = 540) -> dict:
    return {"orientation": "h", "x0": x0, "x1": x1, "top": y, "bottom": y, "width": x1 - x0, "height": 0}


def _v(x: float, top: float, bottom: float) -> dict:
    return {"orientation": "v", "x0": x, "x1": x, "top": top, "bottom": bottom, "width": 0, "height": bottom - top}


def test_a_label_merged_down_rows_leaves_its_place_empty_and_a_title_row_spans_the_columns():
    # PROGRAM (title row over both columns) / "Responsible institution" beside two rows / a row
    rules = [_h(100), _h(120), _h(150), _h(180), _h(210), _v(60, 100, 210), _v(220, 120, 210), _v(540, 100, 210)]
    words = [
        _word(1, 66, 106, "PROGRAM"), _word(1, 400, 106, "|"),  # a bit of a rule, read as "|"
        _word(2, 66, 126, "Responsible"), _word(2, 140, 126, "institution"),
        _word(3, 226, 126, "Name:"), _word(3, 262, 126, "Police"),
        _word(4, 226, 156, "Phone:"), _word(4, 268, 156, "+501"), _word(4, 300, 156, "822-2210"),
        _word(5, 66, 186, "Targeted"), _word(5, 120, 186, "population"), _word(6, 226, 186, "Women"),
    ]
    table = _ocr_blocks(OcrPage(words=words, rules=rules), 1)[0]
    assert table.rows == (("PROGRAM",), ("Responsible institution", "Name: Police"),
                          ("", "Phone: +501 822-2210"), ("Targeted population", "Women"))


def test_around_a_table_paragraphs_part_at_the_gap_of_the_page_text():
    # below the table, a note and the page's footer 18 pt apart: two paragraphs (the gaps of the
    # cells' lines, 3 pt, say what a line gap is), not one
    rules = [_h(100), _h(160), _v(60, 100, 160), _v(220, 100, 160), _v(540, 100, 160)]
    words = [_word(1, 66, 106, "Objective")]
    words += [_word(10 + n, 226, 106 + 11 * n, f"line{n}") for n in range(4)]
    words += [_word(20, 66, 170, "Note:"), _word(20, 110, 170, "highlight"),
              _word(21, 66, 196, "Page"), _word(21, 100, 196, "4"), _word(21, 110, 196, "of"), _word(21, 126, 196, "7")]
    blocks = _ocr_blocks(OcrPage(words=words, rules=rules), 4)
    assert [b.text for b in blocks[1:]] == ["Note: highlight", "Page 4 of 7"]
