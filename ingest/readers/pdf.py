"""PDF reader: pdfplumber, page by page, text in reading order and ruled tables.

Words are extracted once per page and grouped into lines, then paragraphs (by vertical gaps);
lines set in a larger or bold font become headings. Tables are looked for only on pages that
have ruling lines; their words are assigned to the cells' boxes, so a table costs little more
than its text. A table that continues on the next page (same column count, first thing on the
page) is merged into one, and so is a paragraph that runs on over the page break; page numbers
and running heads and feet are taken out first. Pages without a text layer (scans) are OCR'd by
``ingest.ocr``: the rules it finds in the page's image become table cells the same way
(pdfplumber's edges to cells), its words go into them, and its other lines through the same
paragraph and heading grouping. The only module importing pdfplumber.
"""

from __future__ import annotations

import dataclasses
import re
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import CorruptDocument, EmptyDocument, EncryptedDocument, NeedsOCR, out_of_memory
from ..model import Block, ExtractedDocument, Format
from ..text import fold, join_wrapped

_DATE = re.compile(r"D:(\d{4})(\d{2})(\d{2})")


@dataclass(slots=True)
class _Line:
    top: float
    bottom: float
    x0: float
    text: str
    size: float
    bold: bool


def read(path: Path) -> ExtractedDocument:
    """Read a PDF into blocks; pages without a text layer are OCR'd (see ``ingest.ocr``).

    The file is checked by qpdf first (``pdf_check``: passwords, limits, repair of a damaged file,
    whose repaired copy is what gets read). Raises EncryptedDocument, CorruptDocument, TooLarge,
    TooComplex, or NeedsOCR when no page has text and Tesseract cannot be used.
    """
    from .pdf_check import checked_pdf

    with checked_pdf(path) as (source, marks):
        doc = _read(source)
    return dataclasses.replace(doc, path=str(path), metadata={**doc.metadata, **marks})


def _read(path: Path) -> ExtractedDocument:
    import pdfplumber  # heavy import kept local: the search path never loads this module
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    try:
        with pdfplumber.open(str(path)) as pdf:
            pages = [_read_page(page, number) for number, page in enumerate(pdf.pages, start=1)]
            meta = _metadata(pdf.metadata or {})
    except PDFPasswordIncorrect as exc:
        raise EncryptedDocument("password protected PDF") from exc
    except (EncryptedDocument, NeedsOCR):
        raise
    except Exception as exc:  # pdfplumber/pdfminer re-raise almost anything as-is
        if out_of_memory(exc):
            raise MemoryError("ran out of memory while reading the PDF") from exc  # too_large, not corrupt
        if "password" in str(exc).lower() or type(exc).__name__ == "PDFPasswordIncorrect":
            raise EncryptedDocument("password protected PDF") from exc
        raise CorruptDocument(f"damaged PDF ({type(exc).__name__})") from exc
    page_blocks = [blocks for blocks, _ in pages]
    blank = [number for number, (_, words) in enumerate(pages, start=1) if words == 0]
    if blank:
        meta.update(_ocr_blank_pages(path, blank, page_blocks))
    _drop_running_lines(page_blocks)
    blocks: list[Block] = []
    for found in page_blocks:
        _append_page(blocks, found)
    if not blocks and pages:
        raise EmptyDocument(f"no text on any of its {len(pages)} pages, even by OCR")
    return ExtractedDocument(path=str(path), format=Format.PDF, blocks=tuple(blocks),
                             page_count=len(pages), metadata=meta)


def _ocr_blank_pages(path: Path, blank: list[int], page_blocks: list[list[Block]]) -> dict[str, str]:
    """OCR the pages without a text layer in place; returns the metadata that marks them.

    Without Tesseract a document with no text at all needs OCR; one with some text pages is read
    without its scanned pages (their numbers are kept in ``ocr_missing``).
    """
    from ..ocr import ocr_pages

    try:
        result = ocr_pages(path, blank)
    except NeedsOCR as exc:
        if len(blank) == len(page_blocks):
            raise NeedsOCR(f"no text layer on any of its {len(blank)} pages (scanned?); {exc}") from exc
        return {"ocr_missing": ",".join(map(str, blank))}
    for number, page in result.pages.items():
        page_blocks[number - 1] = _ocr_blocks(page, number)
    return {"ocr_pages": ",".join(map(str, sorted(result.pages))), "ocr_language": result.language}


def _ocr_blocks(page: Any, number: int) -> list[Block]:
    """An OCR'd page (``ingest.ocr.OcrPage``) as blocks: its ruled tables, with each word in the
    cell its middle falls in, and its other lines as paragraphs and headings."""
    from ..ocr import lines_of

    def converted(words: list[Any]) -> list[_Line]:
        return [_Line(top=ln.top, bottom=ln.bottom, x0=ln.x0, text=ln.text, size=ln.size, bold=False)
                for ln in lines_of(words)]

    tables = _ruled_tables(page.rules)
    placed: list[tuple[float, Block]] = []
    words = [w for w in page.words if not _RULE_REMNANT.match(w.text)]
    loose = converted([w for w in words if not any(_inside(_box(w), t.bbox) for t in tables)])
    sizes, gaps = [ln.size for ln in loose], _gaps(loose)

    def cell_text(cell: tuple[float, float, float, float]) -> str:  # noting its lines' sizes and gaps
        lines = converted([w for w in words if _inside(_box(w), cell)])
        sizes.extend(ln.size for ln in lines)
        gaps.extend(_gaps(lines))
        return _cell_text(lines)

    for table in tables:
        rows = _rows_of(table, cell_text)
        if rows:
            placed.append((table.bbox[1], Block(kind="table", rows=tuple(rows), page=number,
                                                text="\n".join(" | ".join(r) for r in rows))))
    # The lines around a table are few and mostly far apart: body size and paragraph gap are
    # those of all the page's text, the cells' lines included.
    body = statistics.median(sizes) if sizes else 0.0
    placed.extend(_paragraphs(loose, number, body, _paragraph_gap(gaps, body) if tables and body else None))
    placed.sort(key=lambda tb: tb[0])
    return [b for _, b in placed]


_RULE_REMNANT = re.compile(r"^[|¦>\]\[]+$")  # what OCR makes of a bit of a table rule left on the page


def _box(word: Any) -> dict[str, float]:
    return {"x0": word.x0, "x1": word.x1, "top": word.top, "bottom": word.bottom}


_SNAP = 3.0  # points: rules of one table found this far apart across, or along, are one


def _ruled_tables(rules: list[dict[str, Any]]) -> list[Any]:
    """pdfplumber's tables (cells, rows) of a scanned page's rules, as it builds them from a
    born-digital page's lines."""
    if not rules:
        return []
    from pdfplumber.table import Table, cells_to_tables, edges_to_intersections, intersections_to_cells, merge_edges

    edges = merge_edges(rules, _SNAP, _SNAP, _SNAP, _SNAP)
    cells = intersections_to_cells(edges_to_intersections(edges, _SNAP, _SNAP))
    return [Table(None, group) for group in cells_to_tables(cells)]


def _read_page(page: Any, number: int) -> tuple[list[Block], int]:
    words = page.extract_words(extra_attrs=["size", "fontname"])
    count = len(words)
    tables = page.find_tables() if (page.lines or page.rects) else []
    boxes = [t.bbox for t in tables]
    words = _without_footnotes(page, words, boxes)
    placed: list[tuple[float, Block]] = []
    loose = []
    for w in words:
        if not any(_inside(w, b) for b in boxes):
            loose.append(w)
    for table in tables:
        rows = _table_rows(table, words)
        if rows:
            placed.append((table.bbox[1], Block(kind="table", rows=rows, page=number,
                                                text="\n".join(" | ".join(r) for r in rows))))
    for top, block in _paragraphs(_lines(loose), number):
        placed.append((top, block))
    placed.sort(key=lambda tb: tb[0])
    return [b for _, b in placed], count


# A footnote's mark in the text: a number (or asterisk, dagger) set small and raised, right
# against the word before it ("Desarmamento¹,").
_MARK = re.compile(r"\d{1,2}|[*†‡]")
_UNITS = frozenset({"m", "km", "cm", "mm", "ha"})  # "km²" set as a raised 2: an exponent, not a mark


def _without_footnotes(page: Any, words: list[dict[str, Any]],
                       tables: Sequence[tuple[float, float, float, float]] = ()) -> list[dict[str, Any]]:
    """The page's words without its footnotes, which the Word reader also leaves out (a footnote
    is no part of the answer it annotates): the notes under the short rule Word sets above them
    at the foot of the page, and the marks that call them in the text. A word after a mark is
    joined to the word before it ("Desarmamento" "¹" "," -> "Desarmamento,"). ``tables``: the
    boxes of the page's tables, whose rules are no footnote rule."""
    if not words:
        return words
    rule = _footnote_rule(page, words, tables)
    if rule is not None:
        words = [w for w in words if w["top"] < rule]
    out: list[dict[str, Any]] = []
    mark: dict[str, Any] | None = None  # the mark just left out
    for w in words:
        prev = out[-1] if out else None
        if (prev is not None and _MARK.fullmatch(w["text"]) and w["size"] <= 0.8 * prev["size"]
                and abs(w["x0"] - prev["x1"]) < 1.0 and w["bottom"] < prev["bottom"] - 1.0
                and not prev["text"][-1:].isdigit() and prev["text"].lower() not in _UNITS):
            mark = w
            continue
        if (mark is not None and prev is not None and abs(w["x0"] - mark["x1"]) < 1.0
                and abs(w["top"] - prev["top"]) < 1.0):
            out[-1] = {**prev, "text": prev["text"] + w["text"], "x1": w["x1"]}
        else:
            out.append(w)
        mark = None
    return out


def _footnote_rule(page: Any, words: list[dict[str, Any]],
                   tables: Sequence[tuple[float, float, float, float]]) -> float | None:
    """The top of the short rule over a page's footnotes, if it has one: a thin horizontal line
    at the left margin, at most half the text's width, in the lower half of the page and in no
    table, with only smaller type under it, which starts with a note's number."""
    body = statistics.median(w["size"] for w in words)
    left = min(w["x0"] for w in words)
    width = max(w["x1"] for w in words) - left
    for r in list(page.rects) + list(page.lines):
        thin, long = r["bottom"] - r["top"] <= 1.5, r["x1"] - r["x0"]
        if not thin or not 20 <= long <= 0.5 * width or abs(r["x0"] - left) > 6 or r["top"] < page.height / 2:
            continue
        if any(b[0] - 2 <= r["x0"] <= b[2] + 2 and b[1] - 2 <= r["top"] <= b[3] + 2 for b in tables):
            continue
        below = sorted((w for w in words if w["top"] > r["top"]), key=lambda w: (round(w["top"]), w["x0"]))
        if (below and _MARK.fullmatch(below[0]["text"])
                and statistics.median(w["size"] for w in below) <= body - 1.0):
            return float(r["top"])
    return None


def _inside(word: dict[str, Any], bbox: tuple[float, float, float, float]) -> bool:
    cx = (word["x0"] + word["x1"]) / 2
    cy = (word["top"] + word["bottom"]) / 2
    return bbox[0] <= cx <= bbox[2] and bbox[1] <= cy <= bbox[3]


# A cell's line broken right after a hyphen ("2010-" / "2011", "audiencia-de-" / "custodia").
_UNWRAP_HYPHEN = re.compile(r"(?<=\w)-\n(?=\w)")
# A link broken after one of its slashes ("https://www.policia.gov.co/participacion-ciudadana/" /
# "frentes-seguridad"): a path goes on in lower case or digits, a new sentence would not.
_UNWRAP_LINK = re.compile(r"((?:https?://|www\.)[^\s/]+(?:/[^\s/]*)*/)\n(?=[a-z0-9_%~-])")


def _unwrapped(text: str) -> str:
    """A cell's text with the lines a word or a link was broken over joined again."""
    return _UNWRAP_LINK.sub(r"\1", _UNWRAP_HYPHEN.sub("-", text))


def _table_rows(table: Any, words: list[dict[str, Any]]) -> tuple[tuple[str, ...], ...]:
    return _rows_of(table, lambda cell: _cell_text(_lines([w for w in words if _inside(w, cell)])))


def _rows_of(table: Any, text_of: Callable[[Any], str]) -> tuple[tuple[str, ...], ...]:
    """A table's rows of cell texts (``text_of(cell box)``), rows with no text left out.

    A cell merged across columns appears once. A cell merged down rows (a label beside several
    rows of answers: "Responsible institution" beside the name, the person, the phone...) appears
    in its first row; in the others its place holds "", so each row keeps its columns and its
    answer stays in the answer column."""
    rows = []
    for row in table.rows:
        texts = []
        reach = float("-inf")  # right edge of the last cell of this row
        for x, cell in zip(_column_starts(table), row.cells, strict=True):
            if cell is not None:
                texts.append(_unwrapped(text_of(cell)))
                reach = cell[2]
            elif x >= reach - 1.0:  # no cell of this row covers the column: one from above does
                texts.append("")
        if any(t.strip() for t in texts):
            rows.append(tuple(texts))
    return tuple(rows)


def _column_starts(table: Any) -> list[float]:
    """The left edges of a table's columns, as pdfplumber lines up a row's cells."""
    return sorted({cell[0] for cell in table.cells})


def _cell_text(lines: list[_Line]) -> str:
    """A table cell's lines: a blank line where a gap as wide as a paragraph's parts them, a line
    break elsewhere (a wrapped line, or an item of a list set line by line)."""
    if len(lines) < 3:
        return "\n".join(ln.text for ln in lines)
    gaps = _gaps(lines)
    new_paragraph = _paragraph_gap(gaps, statistics.median(ln.size for ln in lines))
    out = lines[0].text
    for gap, line in zip(gaps, lines[1:]):
        out += ("\n\n" if gap > new_paragraph else "\n") + line.text
    return out


_BULLETS = frozenset("•·▪●◦‣∙\uf0b7\uf0a7")  # Word's bullets (Symbol's as private-use glyphs)


def _lines(words: Iterable[dict[str, Any]]) -> list[_Line]:
    ordered = sorted(words, key=lambda w: (round(w["top"]), w["x0"]))
    lines: list[list[dict[str, Any]]] = []
    for w in ordered:
        if lines and abs(lines[-1][0]["top"] - w["top"]) <= 2.5:
            lines[-1].append(w)
        else:
            lines.append([w])
    out = []
    for ws in lines:
        ws.sort(key=lambda w: w["x0"])
        texts = [w["text"] for w in ws]
        if len(texts) > 1 and texts[0] in _BULLETS:
            texts[0] = "-"  # a list item as the Word reader gives it ("- "), whatever the bullet's glyph
        out.append(_Line(top=min(w["top"] for w in ws), bottom=max(w["bottom"] for w in ws),
                         x0=ws[0]["x0"], text=" ".join(texts),
                         size=max(w["size"] for w in ws),
                         bold=all("bold" in w["fontname"].lower() for w in ws)))
    return out


def _paragraphs(lines: list[_Line], page: int, body: float = 0.0,
                new_paragraph: float | None = None) -> list[tuple[float, Block]]:
    """Lines grouped into paragraphs (parted by a gap over ``new_paragraph``, by default found
    from the gaps of ``lines``) and headings (set at least 1.5 pt above ``body``, by default the
    median size of ``lines``)."""
    if not lines:
        return []
    body = body or statistics.median(ln.size for ln in lines)
    if new_paragraph is None:
        new_paragraph = _paragraph_gap(_gaps(lines), body)
    out: list[tuple[float, Block]] = []
    current: list[_Line] = []

    def flush() -> None:
        if current:
            out.append((current[0].top, Block(kind="paragraph", page=page,
                                              text="\n".join(ln.text for ln in current))))
            current.clear()

    for i, line in enumerate(lines):
        if line.size >= body + 1.5 or (line.bold and len(line.text) < 120 and line.size >= body):
            flush()
            level = 1 if line.size >= body + 3 else 2
            prev = lines[i - 1] if i else None
            if (out and out[-1][1].kind == "heading" and out[-1][1].level == level and prev is not None
                    and line.top - prev.bottom < (line.bottom - line.top) and prev.bold == line.bold):
                top, head = out.pop()  # a heading wrapped over two lines
                out.append((top, Block(kind="heading", text=join_wrapped(head.text, line.text), page=page,
                                       level=level)))
            else:
                out.append((line.top, Block(kind="heading", text=line.text, page=page, level=level)))
            continue
        if current and i and (line.top - lines[i - 1].bottom) > new_paragraph:
            flush()
        current.append(line)
    flush()
    return out


def _gaps(lines: list[_Line]) -> list[float]:
    """The vertical gap between each line and the next."""
    return [b.top - a.bottom for a, b in zip(lines, lines[1:])]


def _paragraph_gap(gaps: list[float], body: float) -> float:
    """The gap between two lines above which a new paragraph starts.

    The smallest gaps are those between the lines of a paragraph. Where the sorted gaps first jump
    by more than a quarter of the body size (OCR's line gaps vary by a few points), the middle of
    that jump; larger gaps (between paragraphs, before a heading) lie above it. With no such jump,
    1.8 times the median gap (at least 4 pt, at most three body sizes). The median alone fails on
    a page of many short paragraphs: it is then a paragraph gap, and the paragraphs ran together."""
    ordered = sorted(gaps)
    for low, high in zip(ordered, ordered[1:]):
        if high - low > 0.25 * body:
            return max((low + high) / 2, 4.0)
    usual = max(statistics.median(ordered) * 1.8, 4.0) if ordered else 4.0
    return min(usual, _NEVER_INSIDE * body)  # a page's only gap may be from its head to its foot


_NEVER_INSIDE = 3.0  # no paragraph has a gap of three lines (in body sizes) between two of its lines


# "3", "- 3 -", "Página 3 de 7", "Page 3 of 7", "p. 3", "3/7", "Pág. 3" (on a line of its own).
_PAGE_NUMBER = re.compile(r"^(?:(?:page|pagina|pag|p)\.?\s*)?[-–—]?\s*\d{1,3}\s*[-–—]?"
                          r"(?:\s*(?:of|de|sur|/)\s*\d{1,3})?$", re.I)


def _drop_running_lines(page_blocks: list[list[Block]]) -> None:
    """Take out page numbers and running heads and feet, which would otherwise land inside the
    field that runs over the page break ("... de los barrios" / "Página 2 de 7" / "Misión
    Permanente de Chile ante la OEA" / "con mayor victimización").

    Only a page's first and last blocks are looked at, and only short one-line ones: a page number
    goes wherever it is; a line repeated at the top (or foot) of at least half of the pages, and
    of two or more, goes everywhere but its first page (where it may be the letterhead, naming
    the country)."""
    def short(block: Block) -> bool:
        return block.kind in ("paragraph", "heading") and "\n" not in block.text and len(block.text) <= 120

    def key(block: Block) -> str:
        return " ".join(fold(block.text).split())

    for blocks in page_blocks:
        for end in (0, -1):
            while blocks and short(blocks[end]) and _PAGE_NUMBER.match(key(blocks[end])):
                blocks.pop(end)
    for end in (0, -1):
        seen: dict[str, list[int]] = {}
        for n, blocks in enumerate(page_blocks):
            if blocks and short(blocks[end]):
                seen.setdefault(key(blocks[end]), []).append(n)
        for pages in seen.values():
            if len(pages) >= 2 and 2 * len(pages) >= len(page_blocks):
                for n in pages[1:]:
                    page_blocks[n].pop(end)


def _append_page(blocks: list[Block], page_blocks: list[Block]) -> None:
    """Merge a table that continues from the previous page into one table, and a paragraph
    whose sentence runs on to the next page into one paragraph."""
    if _runs_on(blocks[-1] if blocks else None, page_blocks[0] if page_blocks else None):
        prev, nxt = blocks[-1], page_blocks[0]
        blocks[-1] = Block(kind="paragraph", text=f"{prev.text}\n{nxt.text}", page=prev.page,
                           last_page=nxt.last_page or nxt.page)
        page_blocks = page_blocks[1:]
    elif (blocks and page_blocks and blocks[-1].kind == "table" and page_blocks[0].kind == "table"
            and len(blocks[-1].rows[-1]) == len(page_blocks[0].rows[0])):  # rows[0] may be a merged title row
        prev, nxt = blocks[-1], page_blocks[0]
        if _split_row(prev.rows, nxt.rows[0]):
            joined = tuple("\n".join(p for p in pair if p) for pair in zip(prev.rows[-1], nxt.rows[0], strict=True))
            rows = prev.rows[:-1] + (joined,) + nxt.rows[1:]
        else:
            rows = prev.rows + nxt.rows
        blocks[-1] = Block(kind="table", rows=rows, page=prev.page, last_page=nxt.page,
                           text="\n".join(" | ".join(r) for r in rows))
        page_blocks = page_blocks[1:]
    blocks.extend(page_blocks)


def _split_row(rows: tuple[tuple[str, ...], ...], first: tuple[str, ...]) -> bool:
    """Whether ``first``, the first row of a table's part on a new page, is the rest of the
    table's last row (``rows[-1]``), cut by the page break with its label: the label goes on in
    lower case ("Targeted" / "population:"), or the table's labels end with a colon and the last
    one lacks it while this part has it."""
    label, rest = rows[-1][0].strip(), first[0].strip()
    if not label or not rest:
        return False
    if rest[0].islower():
        return True
    with_colon = sum(r[0].rstrip().endswith(":") for r in rows if r[0].strip())
    return with_colon >= 3 and not label.endswith(":") and rest.endswith(":")


def _runs_on(last: Block | None, first: Block | None) -> bool:
    """Whether the first paragraph of a page goes on with the sentence the page before ended
    with: that one stops without a full stop, colon or the like, and this one starts in lower
    case; or that one stops on a lower-case word or a comma ("... el" / "Ministerio del Interior
    rinde cuentas"; OCR may also capitalise a word) and this one's first line is no "Label: value"."""
    if last is None or first is None or last.kind != "paragraph" or first.kind != "paragraph":
        return False
    end, start = last.text.rstrip()[-1:], first.text.lstrip()[:1]
    if not end or end in ".:;!?)»”\"":
        return False
    if start.islower():
        return True
    head = first.text.lstrip().split("\n", 1)[0][:_LABEL_REACH]
    last_word = last.text.rsplit(None, 1)[-1]
    return ((end.islower() or end == ",") and start.isalpha() and ":" not in head
            and not any(c in last_word for c in "/@"))  # a link or an address ends no sentence


_LABEL_REACH = 80  # how far into a line a label's colon may lie


def _metadata(meta: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key in ("Title", "Author"):
        value = meta.get(key)
        if isinstance(value, str) and value.strip():
            out[key.lower()] = value.strip()
    m = _DATE.match(str(meta.get("CreationDate", "")))
    if m:
        out["created"] = f"{m.group(1)}-{m.group(2)}-{m.group(3)}"
    return out
