"""Recognise questionnaire labels and block headings, from the data files in ``ingest/data``.

A label matches a line when the text before its first colon (or the whole short line) equals
one of the variants once folded (case, accents), with numbering and parentheticals removed.
A near miss (OCR noise, a typo) is accepted when it is close enough and long enough; so is a
label closed by a semicolon (OCR often reads ":" as ";") when what precedes it is a label.
Headings that match no pattern are tried once more with the usual OCR confusions undone
("Informaci6n", "lnformación", "Prograrna"), which can only add matches, never change one.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .datafiles import read_toml
from .model import SectionKind
from .text import fold, squash, strip_numbering

DATA = Path(__file__).parent / "data"
TITLE_FIELDS = {
    "title_plan": SectionKind.PLAN, "title_program": SectionKind.PROGRAM,
    "title_lesson": SectionKind.LESSON, "title_practice": SectionKind.PRACTICE,
}
CONTACT_FIELDS = ("institution_name", "contact_person", "job_title", "phone", "email")
_PAREN = re.compile(r"\([^)]*\)")
_MAX_LABEL = 120
_FUZZY_CUTOFF = 0.88  # difflib ratio a line must reach to be read as a misspelt label


@dataclass(frozen=True, slots=True)
class LabelMatch:
    field: str
    value: str  # what follows the label on the same line ("" when the label stands alone)
    label: str  # the label as written


@dataclass(frozen=True, slots=True)
class HeadingMatch:
    kind: SectionKind | None
    title: str  # "" for a block heading that names no section


def _key(text: str) -> str:
    folded = fold(strip_numbering(text))
    text = _PAREN.sub(" ", folded)
    if not text.strip(" ."):  # the whole label is parenthesised, e.g. "(Job Title)"
        text = folded.replace("(", " ").replace(")", " ")
    text = re.sub(r"[^\w/&'-]+", " ", text)
    return squash(text.replace(" / ", "/"))


@lru_cache(maxsize=4)
def _label_table(path: Path = DATA / "labels.toml") -> dict[str, str]:
    data = read_toml(path, "fields")
    table: dict[str, str] = {}
    for field, langs in data["fields"].items():
        for variants in langs.values():
            for variant in variants:
                table.setdefault(_key(variant), field)
    return table


def match_label(line: str, *, fuzzy: bool = True, alone_ok: bool = True, exact: bool = False) -> LabelMatch | None:
    """Return the field a line starts with, e.g. "Población meta: jóvenes" -> target_population."""
    table = _label_table()
    for mark in (":", ";"):  # ";" only as OCR's reading of a colon, after a known label
        colon = line.find(mark)
        if 0 < colon <= _MAX_LABEL:
            head, rest = line[:colon], line[colon + 1:]
            field = table.get(_key(head)) if exact else _lookup(head, table, fuzzy)
            if field:
                return LabelMatch(field, rest.strip(), head.strip())
            break
    if alone_ok and len(line) <= _MAX_LABEL:
        field = _lookup(line.rstrip(" .:-"), table, fuzzy)
        if field:
            return LabelMatch(field, "", line.strip())
    return None


def match_cell_label(cell: str) -> str | None:
    """The field named by a table's label cell (the whole cell, colon optional)."""
    text = squash(cell).rstrip(" :.")
    return _lookup(text, _label_table(), True) if text else None


def names_a_field(text: str) -> bool:
    """Whether the whole of ``text`` is a label (or a misspelling of one), not a label's first
    words followed by others ("Programa en instituciones")."""
    return _lookup(text.rstrip(" .:-"), _label_table(), True, prefixes=False) is not None


def _lookup(text: str, table: dict[str, str], fuzzy: bool, prefixes: bool = True) -> str | None:
    key = _key(text)
    if not key:
        return None
    if key in table:
        return table[key]
    words = key.split() if prefixes else []
    for n in range(min(len(words) - 1, 6), 0, -1):  # "Metodología de evaluación y seguimiento"
        prefix = " ".join(words[:n])
        if n == 1 and len(prefix) < 8:
            break  # a short single word ("Plan", "Cargo") is too common to start a label variant
        if prefix in table and len(words) - n <= 3:
            return table[prefix]
    if fuzzy and len(key) >= 8:
        close = difflib.get_close_matches(key, _candidates(len(key)), n=1, cutoff=_FUZZY_CUTOFF)
        if close:
            return table[close[0]]
    return None


def _candidates(size: int) -> list[str]:
    """The long label keys whose length lets them reach the fuzzy cutoff against a key of ``size``.

    difflib's ratio is at most 2 * min(len) / (sum of lens), the bound get_close_matches tests
    first (real_quick_ratio); the keys that fail it are left out here, by length, so the result is
    the same for a fraction of the work.
    """
    return [k for length, keys in _long_keys_by_length().items()
            if 2.0 * min(size, length) / (size + length) >= _FUZZY_CUTOFF for k in keys]


@lru_cache(maxsize=1)
def _long_keys_by_length() -> dict[int, list[str]]:
    """The label keys of 8 characters or more (those worth a fuzzy match), grouped by length."""
    by_length: dict[int, list[str]] = {}
    for key in _label_table():
        if len(key) >= 8:
            by_length.setdefault(len(key), []).append(key)
    return by_length


@lru_cache(maxsize=4)
def _headings(path: Path = DATA / "headings.toml") -> dict[str, Any]:
    """headings.toml, read once: block, section and plan-title headings, annexes, the comments
    column and boilerplate."""
    return read_toml(path, "block", "section", "plan_title", "annex", "comment_column", "boilerplate")


@lru_cache(maxsize=1)
def _heading_rules() -> tuple[
        list[tuple[re.Pattern[str], SectionKind]], list[tuple[re.Pattern[str], SectionKind]],
        list[re.Pattern[str]]]:
    data = _headings()
    blocks = [(re.compile(p), SectionKind(k)) for k, ps in data["block"].items() for p in ps]
    sections = []
    for kind, words in data["section"].items():
        alt = "|".join(words)
        pattern = rf"^(?:{alt})s?(?:\s*(?:n[o°º]\.?\s*)?\d+)?\s*(?:[:\-–—.]|\s[-–—])\s*(?=\S)"
        sections.append((re.compile(pattern), SectionKind(kind)))
    titles = [re.compile(p) for p in data["plan_title"]["patterns"]]
    return blocks, sections, titles


@lru_cache(maxsize=1)
def _title_kinds() -> list[tuple[re.Pattern[str], SectionKind]]:
    return [(re.compile(rf"^(?:{'|'.join(words)})s?\b"), SectionKind(kind))
            for kind, words in _headings()["section"].items()]


def kind_named_by(title: str) -> SectionKind | None:
    """The kind a section's title starts by naming with a [section] word of headings.toml
    ("Programa de Reeducación ..." -> program, "Good practice in ..." -> practice), or None."""
    folded = fold(squash(strip_numbering(title)))
    return next((kind for pattern, kind in _title_kinds() if pattern.match(folded)), None)


@lru_cache(maxsize=None)
def _patterns(table: str) -> list[re.Pattern[str]]:
    """The compiled ``patterns`` of a table of headings.toml ("annex", "boilerplate")."""
    return [re.compile(p) for p in _headings()[table]["patterns"]]


def is_annex(line: str) -> bool:
    """An annex's heading ("Anexo – Estadísticas seleccionadas", "Annex 2", "Appendix A")."""
    folded = fold(squash(strip_numbering(line)))
    return len(folded) <= 120 and any(p.match(folded) for p in _patterns("annex"))


@lru_cache(maxsize=1)
def _comment_columns() -> frozenset[str]:
    return frozenset(fold(n) for n in _headings()["comment_column"]["names"])


def names_comment_column(cell: str) -> bool:
    """A table header cell over a column of side remarks ("Observaciones", "Comments"), also when
    a narrow column broke the word ("Observacione" / "s")."""
    return any(fold(squash(text)).rstrip(" :.") in _comment_columns()
               for text in (cell, "".join(cell.split("\n"))))


def is_boilerplate(line: str) -> bool:
    """A line of the questionnaire's own instructions ("Nota: Please highlight ...")."""
    folded = fold(squash(line))
    return any(p.search(folded) for p in _patterns("boilerplate"))


def match_heading(text: str, *, strict: bool = False) -> HeadingMatch | None:
    """Classify a heading: a block of some kind, a named section, a plan's own title, or nothing.

    With ``strict`` (a plain paragraph rather than a styled heading) plan titles are not guessed.
    """
    line = squash(strip_numbering(text))
    if not line or len(line) > 200:
        return None
    folded = fold(line)
    found = _match_heading(line, folded, strict=strict)
    if found is None and _OCR_SLIPS.search(folded):
        found = _match_heading(line, *_unslip(folded), strict=strict)
    if found is None and _OCR_ROMAN.match(line):  # "IL." / "HI." for "II." / "III." in a scan
        return match_heading(_OCR_ROMAN.sub("", line, count=1), strict=strict)
    return found


# A roman number as OCR may read it (I as l, L, H, 1 or |) before a block heading's words.
_OCR_ROMAN = re.compile(r"^(?=[ivxlh1|]*[lh1|])[ivxlh1|]{1,4}[.)]\s+(?=\w)", re.I)


_OCR_SLIPS = re.compile(r"[016|]|rn|\bl[nr]")
_SAME_LENGTH = str.maketrans({"0": "o", "1": "l", "6": "o", "|": "l"})


def _unslip(folded: str) -> tuple[str, list[int]]:
    """Undo OCR's usual confusions ("informaci6n", "lnformacion", "prograrna"); with each character's
    offset in the original, so that a title is still cut from the line as written."""
    text = re.sub(r"\bl(?=[nr])", "i", folded.translate(_SAME_LENGTH))
    out, offsets, i = [], [], 0
    while i < len(text):
        if text.startswith("rn", i) and 0 < i and text[i - 1].isalpha() and text[i + 2:i + 3].isalpha():
            out.append("m")
            offsets.append(i)
            i += 2
            continue
        out.append(text[i])
        offsets.append(i)
        i += 1
    return "".join(out), offsets + [len(text)]


_QUOTES = {"«": "»", "“": "”", "„": "“", '"': '"', "'": "'", "‘": "’"}  # opener -> closer
_STRAY = {"«", "»", "“", "”", "„", '"'}  # quotes that are never an apostrophe ("Parents'")


def unquote(title: str) -> str:
    """A heading's title without the quotes around it: "« Barrio Seguro »" -> "Barrio Seguro"; a
    stray quote at one end with no partner in the title goes too. A quote that closes one opened
    inside the title stays: "Les plaintes classées « non fondées »" keeps its "»", and
    "« Lekòl san vyolans » (École sans violence)" its "«"."""
    title = title.strip()
    while len(title) > 1:
        first, last = title[0], title[-1]
        closer = _QUOTES.get(first)
        if closer and last == closer and len(title) > 2 and closer not in title[1:-1] and first not in title[1:-1]:
            title = title[1:-1].strip()
        elif first in _STRAY and (closer is None or closer not in title[1:]):
            title = title[1:].strip()
        elif last in _STRAY and not any(o in title[:-1] for o, c in _QUOTES.items() if c == last):
            title = title[:-1].strip()
        else:
            break
    return title


def _match_heading(line: str, folded: str, offsets: list[int] | None = None, *,
                   strict: bool) -> HeadingMatch | None:
    blocks, sections, titles = _heading_rules()
    bare = folded.rstrip(" .:")
    for pattern, kind in blocks:
        if pattern.search(bare):
            return HeadingMatch(kind, "")
    for pattern, kind in sections:
        m = pattern.match(folded)
        if m:
            title = unquote(line[offsets[m.end()] if offsets else m.end():].strip())
            if title:
                return HeadingMatch(kind, title)
    if not strict and any(p.search(folded) for p in titles):
        return HeadingMatch(SectionKind.PLAN, line)
    return None
