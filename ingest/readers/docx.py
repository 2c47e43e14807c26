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
    blocks = tuple(_iter_blocks(document))
    return ExtractedDocument(path=str(path), format=Format.DOCX, blocks=blocks,
                             metadata=_metadata(document))


def _check_package(path: Path) -> None:
    """Encryption, damage, zip-bomb limits and DOCTYPE refusal: see ``ingest.readers.ooxml``."""
    from .ooxml import check_package
    check_package(path)


def _iter_blocks(document: Any) -> Iterator[Block]:
    for item in _inner(document.element.body, document._body):
        if item.__class__.__name__ == "Table":
            rows = _table_rows(item)
            if rows:
                yield Block(kind="table", rows=rows, text="\n".join(" | ".join(r) for r in rows))
            continue
        text = _text(item).strip()
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
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in element.iterchildren():
        if child.tag == qn("w:p"):
            yield Paragraph(child, parent)
        elif child.tag == qn("w:tbl"):
            yield Table(child, parent)
        elif child.tag in (qn("w:sdt"), qn("w:customXml")):
            content = child.find(qn("w:sdtContent")) if child.tag == qn("w:sdt") else child
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


def _table_rows(table: Any) -> tuple[tuple[str, ...], ...]:
    rows = []
    for row in table.rows:
        seen: set[int] = set()
        cells = []
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue  # a horizontally merged cell is repeated by python-docx
            seen.add(id(cell._tc))
            cells.append(_cell_text(cell))
        if any(c.strip() for c in cells):
            rows.append(tuple(cells))
    return tuple(rows)


def _cell_text(cell: Any) -> str:
    """A cell's paragraphs, a blank line between two (as in a field's text); a table nested in the
    cell as one part, a line per row."""
    parts = []
    for item in _inner(cell._tc, cell):
        if item.__class__.__name__ == "Table":
            parts.append("\n".join(" | ".join(r) for r in _table_rows(item)))
        elif _text(item).strip():
            parts.append(_text(item).strip())
    return "\n\n".join(parts)


def _metadata(document: Any) -> dict[str, str]:
    props = document.core_properties
    meta = {"title": props.title or "", "author": props.author or ""}
    if props.created is not None:
        meta["created"] = props.created.date().isoformat()
    return {k: v for k, v in meta.items() if v}
