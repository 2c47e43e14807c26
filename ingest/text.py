"""Text helpers shared by the ingest steps: folding, cleaning, whitespace."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_NUMBERING = re.compile(r"^\s*(\(?[a-h]\)|[a-h][.)]|[ivx]{1,4}[.)-]|\d{1,2}(\.\d{1,2})*[.)-]?|[-•·*▪●◦])\s+", re.I)


@lru_cache(maxsize=4096)
def _fold_char(c: str) -> str:
    base = unicodedata.normalize("NFKD", c)
    kept = "".join(ch for ch in base if not unicodedata.combining(ch))
    low = (kept[:1] or c).lower()
    return low[:1] if low else c


def fold(text: str) -> str:
    """Lower-case and strip accents character by character, so offsets stay aligned."""
    return "".join(_fold_char(c) for c in text).replace("\u2019", "'").replace("\u2018", "'")


def clean(text: str) -> str:
    """NFC, without NUL, C0/C1 control characters, lone surrogates or U+FFFE/U+FFFF; keeps newlines and tabs."""
    text = unicodedata.normalize("NFC", text)
    return _CONTROL.sub("", text)


def squash(text: str) -> str:
    """Collapse all runs of whitespace (newlines included) to one space."""
    return " ".join(text.split())


def join_wrapped(left: str, right: str, joiner: str = " ") -> str:
    """Join a line wrapped onto the next: a line broken after a hyphen ("Grand-" / "Ravine",
    "2019-" / "2023") or a slash joins without ``joiner``."""
    if (left.endswith("-") and not left.endswith(" -") and right[:1].isalnum()) or left.endswith("/"):
        return left + right
    return left + joiner + right


def tidy(text: str) -> str:
    """Clean a multi-line value: trim each line, collapse spaces, keep paragraph breaks."""
    lines = [_SPACES.sub(" ", ln).strip() for ln in clean(text).split("\n")]
    out = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", out).strip()


def strip_numbering(text: str) -> str:
    """Drop leading enumeration such as "b.", "II.", "3)", "1.2" or a bullet."""
    return _NUMBERING.sub("", text, count=1)


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions)."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def close_enough(found: str, expected: str) -> bool:
    """Whether an OCR'd text is within a small edit distance of the expected: 3 edits, or one in
    ten characters."""
    return edit_distance(found, expected) <= max(3, len(expected) // 10)
