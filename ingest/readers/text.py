"""Plain-text reader: a reply typed or pasted as text (an e-mail's body, a .txt file).

Paragraphs are parted by blank lines; a line inside a paragraph stays a line, so "Label: value"
lines are split into fields as in a Word paragraph.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..archive import decode_text
from ..errors import EmptyDocument
from ..model import Block, ExtractedDocument, Format

_BLANK_LINES = re.compile(r"\n[ \t]*\n+")


def read(path: Path) -> ExtractedDocument:
    text = decode_text(path.read_bytes())
    paragraphs = [p.strip() for p in _BLANK_LINES.split(text) if p.strip()]
    if not paragraphs:
        raise EmptyDocument("no text")
    return ExtractedDocument(path=str(path), format=Format.TEXT,
                             blocks=tuple(Block(kind="paragraph", text=p) for p in paragraphs))
