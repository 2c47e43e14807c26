"""DOCX reader: python-docx in document order, paragraphs and tables interleaved.

Headings (by style or outline level) become ``heading`` blocks; tables keep their rows, with
horizontally merged cells given once, line breaks inside cells kept as newlines and nested
tables flattened into their cell's text as ``a | b`` lines. Text inside content controls and
tracked insertions is read; tracked deletions are not. The only module importing python-docx.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from ..errors import CorruptDocument
from ..model import Block, ExtractedDocument, Format

_HEADING_STYLE = re.compile(r"^(heading|t[ií]tulo|titre|[uü]berschrift|rubrique)\s*(\d)?$", re.I)


def read(path: Path) -> ExtractedDocument:
    """Read a .docx file into blocks, refusing packages that carry a DOCTYPE."""
    _check_package(path)
    import docx  # heavy import kept local: the search path never loads this module

    try:
        document = docx.Document(str(path))
    except MemoryError:
        raise  # a resource limit, not damage: the caller records it (too_large)
    except Exception as exc:  # python-docx raises many types for a broken package
        raise CorruptDocument(f"not a readable Word document ({type(exc).__name__})") from exc
    blocks = tuple(_iter_blocks(document, _Numbering(document)))
    return ExtractedDocument(path=str(path), format=Format.DOCX, blocks=blocks,
                             metadata=_metadata(document))


def _check_package(path: Path) -> None:
    """Encryption, damage, zip-bomb limits and DOCTYPE refusal: see ``ingest.readers.ooxml``."""
    from .ooxml import check_package
    check_package(path)


def _iter_blocks(document: Any, numbering: _Numbering) -> Iterator[Block]:
    for item in _inner(document.element.body, document._body):
        if item.__class__.__name__ == "Table":
            rows = _table_rows(item, numbering)
            if rows:
                yield Block(kind="table", rows=rows, text="\n".join(" | ".join(r) for r in rows))
            continue
        text = numbering.label(item) + _text(item).strip()
        if not text:
            continue
        level = _heading_level(item)
        if level:
            yield Block(kind="heading", text=text, level=level)
        else:
            yield Block(kind="paragraph", text=text, level=_list_level(item))


def _inner(element: Any, parent: Any) -> Iterator[Any]:
    """The paragraphs and tables of a body or a cell in document order, with those inside content
    controls (``w:sdt``, as in a questionnaire template's form fields), which python-docx's
    ``iter_inner_content`` passes over."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in element.iterchildren():
        if child.tag == _qn("w:p"):
            yield Paragraph(child, parent)
        elif child.tag == _qn("w:tbl"):
            yield Table(child, parent)
        elif child.tag in (_qn("w:sdt"), _qn("w:customXml")):
            content = child.find(_qn("w:sdtContent")) if child.tag == _qn("w:sdt") else child
            if content is not None:
                yield from _inner(content, parent)


def _text(paragraph: Any) -> str:
    """A paragraph's text as the reader sees it: with the text of tracked insertions, hyperlinks,
    fields and inline content controls, without tracked deletions or a move's old place (python-docx's
    ``text`` leaves out inserted text). A text box's own paragraphs are not the paragraph's."""
    out = []
    for node in _text_nodes()(paragraph._p):
        name = node.tag.rsplit("}", 1)[-1]
        out.append(node.text or "" if name == "t" else "\t" if name == "tab" else "\n")
    return "".join(out)


@lru_cache(maxsize=1)
def _text_nodes() -> Any:
    """The XPath of a paragraph's text, tab and break nodes (compiled once, on first use)."""
    from lxml import etree

    return etree.XPath(
        "./descendant::*[(self::w:t or self::w:tab or self::w:br or self::w:cr)"
        " and not(ancestor::w:pPr) and not(ancestor::w:moveFrom) and not(ancestor::w:txbxContent)"
        " and not(ancestor::mc:Fallback)]",
        namespaces={"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
                    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006"})


class _Numbering:
    """The numbers Word shows before numbered paragraphs ("1)", "b.", "II.", a bullet), which are
    not in their text but in numbering.xml: counted in document order, per list and level, for a
    paragraph's own numbering or its style's ("List Number")."""

    def __init__(self, document: Any) -> None:
        self.levels: dict[str, dict[int, tuple[str, str, int]]] = {}  # numId -> level -> (format, text, start)
        self.counts: dict[str, dict[int, int]] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        abstract = {}
        for node in root.findall(_qn("w:abstractNum")):
            abstract[node.get(_qn("w:abstractNumId"))] = {
                int(lvl.get(_qn("w:ilvl"), "0")): (_val(lvl, "w:numFmt", "decimal"), _val(lvl, "w:lvlText", ""),
                                                  int(_val(lvl, "w:start", "1") or 1))
                for lvl in node.findall(_qn("w:lvl"))}
        for num in root.findall(_qn("w:num")):
            levels = dict(abstract.get(_val(num, "w:abstractNumId", ""), {}))
            for override in num.findall(_qn("w:lvlOverride")):
                ilvl, start = int(override.get(_qn("w:ilvl"), "0")), _val(override, "w:startOverride", "")
                if start and ilvl in levels:
                    levels[ilvl] = (levels[ilvl][0], levels[ilvl][1], int(start))
            self.levels[num.get(_qn("w:numId"))] = levels

    def label(self, paragraph: Any) -> str:
        """The number (and a space) Word shows before ``paragraph``; "" for none."""
        num_pr = _num_pr(paragraph) if self.levels else None
        if num_pr is None:
            return ""
        num_id, ilvl = _val(num_pr, "w:numId", ""), int(_val(num_pr, "w:ilvl", "0") or 0)
        levels = self.levels.get(num_id)
        if not levels or ilvl not in levels:
            return ""
        counts = self.counts.setdefault(num_id, {})
        counts[ilvl] = counts.get(ilvl, levels[ilvl][2] - 1) + 1
        for deeper in [k for k in counts if k > ilvl]:
            del counts[deeper]
        fmt, text, _ = levels[ilvl]
        if fmt == "bullet":
            return "- "
        if fmt == "none" or not text:
            return ""
        for n in range(ilvl + 1):  # "%1.%2." names the counts of levels 0 and 1
            level_fmt, _, start = levels.get(n, ("decimal", "", 1))
            text = text.replace(f"%{n + 1}", _formatted(counts.get(n, start), level_fmt))
        return text + " "


def _num_pr(paragraph: Any) -> Any:
    """The paragraph's numbering properties, its own or its style's (or a base style's)."""
    found = paragraph._p.xpath("./w:pPr/w:numPr")
    if found:
        return found[0]
    style, seen = paragraph.style, 0
    while style is not None and seen < 10:
        found = style.element.xpath("./w:pPr/w:numPr")
        if found:
            return found[0]
        style, seen = style.base_style, seen + 1
    return None


def _qn(tag: str) -> str:
    from docx.oxml.ns import qn  # python-docx is loaded by then (see read)

    return qn(tag)


def _val(node: Any, tag: str, default: str) -> str:
    child = node.find(_qn(tag))
    return child.get(_qn("w:val"), default) if child is not None else default


def _formatted(n: int, fmt: str) -> str:
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("lowerRoman", "upperRoman"):
        roman = _roman(n)
        return roman.lower() if fmt == "lowerRoman" else roman
    return f"{n:02d}" if fmt == "decimalZero" else str(n)


def _roman(n: int) -> str:
    out = ""
    for value, digits in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                          (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + digits, n - value
    return out


def _heading_level(paragraph: Any) -> int:
    style = paragraph.style
    name = (style.name if style is not None else "") or ""
    if name.lower() == "title":
        return 1
    m = _HEADING_STYLE.match(name.strip())
    if m:
        return int(m.group(2) or 1)
    outline = paragraph._p.xpath("./w:pPr/w:outlineLvl/@w:val")
    return int(outline[0]) + 1 if outline else 0


def _list_level(paragraph: Any) -> int:
    ilvl = paragraph._p.xpath("./w:pPr/w:numPr/w:ilvl/@w:val")
    return int(ilvl[0]) + 1 if ilvl else 0


def _table_rows(table: Any, numbering: _Numbering) -> tuple[tuple[str, ...], ...]:
    rows = []
    for row in table.rows:
        seen: set[int] = set()
        cells = []
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue  # a horizontally merged cell is repeated by python-docx
            seen.add(id(cell._tc))
            cells.append(_cell_text(cell, numbering))
        if any(c.strip() for c in cells):
            rows.append(tuple(cells))
    return tuple(rows)


def _cell_text(cell: Any, numbering: _Numbering) -> str:
    """A cell's paragraphs, a blank line between two (as in a field's text); a table nested in the
    cell as one part, a line per row."""
    parts = []
    for item in _inner(cell._tc, cell):
        if item.__class__.__name__ == "Table":
            parts.append("\n".join(" | ".join(r) for r in _table_rows(item, numbering)))
        elif text := _text(item).strip():
            parts.append(numbering.label(item) + text)
    return "\n\n".join(parts)


def _metadata(document: Any) -> dict[str, str]:
    props = document.core_properties
    meta = {"title": props.title or "", "author": props.author or ""}
    if props.created is not None:
        meta["created"] = props.created.date().isoformat()
    return {k: v for k, v in meta.items() if v}
