"""Parse the reply's own "Corresponding MISPA pillar" field into pillar ids and area codes.

Replies fill the field in many ways: "Pilar 2", "Pilares 3 y 4", "Pillar II", "Pilier 3",
"2 - Prevención del delito...", "II e IV", "Área 2.4", or just a pillar name loosely phrased
("gestión policial", "Participação cidadã e comunitária"). The strategy, per segment of the
text (segments are separated by newlines and semicolons):

1. Explicit numbers: a list of numbers after a keyword (pilar/pillar/pilier, singular or plural:
   "Pilares 2, 4 y 5", "Pillar II", "Pilar N° 3", "Pillar two"), an ordinal before it
   ("segundo pilar", "2º pilar", "third pillar"), a bare list at the start of the segment
   ("1 y 3", "II e IV", "2 - Prevención"), an area code anywhere ("2.4" -> pillar 2), or
   "all pillars". Only 1..5 count: "2013", "10" and "Pillar 7" yield nothing.
2. Names, only when the segment has no explicit number: pillar names, their aliases and the
   area names of ``pillars.toml`` in all languages, compared with case, accents and punctuation
   folded, longest first, so "cooperación policial" (5) is not read as "policial" (3).

Numbers win over names because the text after a number is often a description that mentions
other pillars' words ("Pilar 3: capacitación policial en prevención de la violencia").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from classify.taxonomy import Taxonomy, load_taxonomy

_WORD_NUMBERS = {
    "one": 1, "uno": 1, "um": 1, "un": 1, "two": 2, "dos": 2, "dois": 2, "deux": 2,
    "three": 3, "tres": 3, "trois": 3, "four": 4, "cuatro": 4, "quatro": 4, "quatre": 4,
    "five": 5, "cinco": 5, "cinq": 5,
}
_ORDINALS = {
    "first": 1, "primer": 1, "primero": 1, "primeiro": 1, "premier": 1,
    "second": 2, "segundo": 2, "deuxieme": 2,
    "third": 3, "tercer": 3, "tercero": 3, "terceiro": 3, "troisieme": 3,
    "fourth": 4, "cuarto": 4, "quarto": 4, "quatrieme": 4,
    "fifth": 5, "quinto": 5, "cinquieme": 5,
}
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5}

_KEYWORD = r"\b(?:pilar(?:es)?|pillars?|piliers?)\b"
_NOUN = r"(?:pilar(?:es)?|pillars?|piliers?)\b"
_FILLER = r"(?:\s*(?:\bmispa\b|\b(?:n|no|nro|num|numero)\s*[.°#]?(?=\s*\d)|#|:|-|–|—))*\s*"
_TOKEN = r"(?:\d+(?:\.\d+)?(?![\d.]\d)|[ivx]+\b|" + "|".join(rf"{w}\b" for w in _WORD_NUMBERS) + ")"
_SEP = r"\s*(?:,|/|&|\+|\band\b|\bet\b|\bor\b|\bou\b|\by\b|\be\b|\bo\b)\s*"
# A range only joins two numbers: "Pilares 1 al 3", "Pillars 2-4" (but "Pilar 2 - Prevención" is not one).
_RANGE = r"\s*(?:-|–|\bal\b|\ba\b|\bto\b|\bà\b|\bate\b)\s*"
_AFTER_KEYWORD = re.compile(
    rf"{_KEYWORD}{_FILLER}({_TOKEN}(?:(?:{_SEP}(?:{_NOUN}\s*)?|{_RANGE}){_TOKEN})*)", re.I
)
_RANGE_PAIR = re.compile(rf"(\d){_RANGE}(\d)(?![\d.])", re.I)
_BARE_TOKEN = r"(?:[1-9]\d*(?:\.\d+)?(?![\d.]\d)|[IVX]+\b)"
_BARE_LIST = re.compile(rf"^[^\w]*({_BARE_TOKEN}(?:{_SEP}{_BARE_TOKEN})*)(?![\w])")
# "segundo pilar", "2º pilar" (º folds to "o"), "2nd pillar", "2e pilier"; singular noun only,
# because "los 5 pilares del MISPA" is a count, not a declaration.
_ORDINAL = re.compile(
    r"\b(?:(" + "|".join(_ORDINALS) + r")|([1-9])\s*(?:st|nd|rd|th|er|eme|e|o|a|°)\.?)"
    r"\s+(?:pilar|pillar|pilier)\b",
    re.I,
)
_ALL = re.compile(
    r"\b(?:todos\s+(?:los|os)|all(?:\s+the)?|tous\s+les)\s+(?:(?:5|cinco|five|cinq)\s+)?"
    r"(?:pilares|pillars|piliers)\b", re.I
)
_AREA_CODE = re.compile(r"(?<![\d.])([1-9]\.[1-9])(?![\d]|\.\d)")
_SEGMENT_SPLIT = re.compile(r"[\n\r;]+")

_ALIAS_CACHE: dict[int, tuple[Taxonomy, tuple[tuple[re.Pattern[str], int], ...]]] = {}


def parse_declared_pillars(text: str, taxonomy: Taxonomy | None = None) -> tuple[int, ...]:
    """Pillar ids declared in a reply's "Corresponding MISPA pillar" field, sorted and unique.

        >>> parse_declared_pillars("Pilares 2, 4 y 5")
        (2, 4, 5)
        >>> parse_declared_pillars("Pilar III – Gestión policial")
        (3,)
        >>> parse_declared_pillars("coopération internationale")
        (5,)
    """
    if not text or not text.strip():
        return ()
    taxonomy = taxonomy or load_taxonomy()
    found: set[int] = set()
    for segment in _SEGMENT_SPLIT.split(_strip_accents(text)):
        numbers = _numbers_in(segment, taxonomy)
        found |= numbers if numbers else _names_in(segment, taxonomy)
    return tuple(sorted(found))


def parse_declared_areas(text: str, taxonomy: Taxonomy | None = None) -> tuple[str, ...]:
    """Area codes written explicitly in the text, sorted and unique; unknown codes are dropped.

        >>> parse_declared_areas("3.2 Training; 2.4 and 9.9")
        ('2.4', '3.2')
    """
    if not text:
        return ()
    taxonomy = taxonomy or load_taxonomy()
    codes = {code for code in _AREA_CODE.findall(text) if taxonomy.is_valid_area(code)}
    return tuple(sorted(codes, key=lambda code: tuple(int(part) for part in code.split("."))))


def _numbers_in(segment: str, taxonomy: Taxonomy) -> set[int]:
    """Pillar ids given explicitly in one segment (keyword lists, ordinals, bare lists, area codes)."""
    tokens: list[str] = []
    for match in _AFTER_KEYWORD.finditer(segment):
        tokens.extend(_split_tokens(_expand_ranges(match.group(1))))
    for match in _ORDINAL.finditer(segment):
        tokens.append(match.group(1) or match.group(2))
    bare = _BARE_LIST.match(segment)
    if bare:
        tokens.extend(_split_tokens(bare.group(1)))
    tokens.extend(_AREA_CODE.findall(segment))
    found = {pillar for pillar in (_token_value(t, taxonomy) for t in tokens) if pillar}
    if _ALL.search(segment):
        found |= set(taxonomy.pillars)
    return found


def _expand_ranges(listing: str) -> str:
    """Spell out digit ranges: "1 al 3" -> "1, 2, 3"; a reversed or wide range is left as its ends."""

    def spell(match: re.Match[str]) -> str:
        low, high = int(match.group(1)), int(match.group(2))
        return ", ".join(str(n) for n in range(low, high + 1)) if low < high <= 9 else f"{low}, {high}"

    return _RANGE_PAIR.sub(spell, listing)


def _split_tokens(listing: str) -> list[str]:
    separators = rf"{_SEP}(?:{_NOUN}\s*)?"
    return [t for t in re.split(separators, listing, flags=re.I) if t and t.strip()]


def _token_value(token: str, taxonomy: Taxonomy) -> int | None:
    """The pillar id a token stands for: "3", "III", "three", "tercer", "2.4" -> 2; else None."""
    token = token.strip().lower()
    if "." in token:
        return taxonomy.areas[token].pillar if taxonomy.is_valid_area(token) else None
    if token.isdigit():
        value: int | None = int(token)
    else:
        value = _ROMAN.get(token) or _WORD_NUMBERS.get(token) or _ORDINALS.get(token)
    return value if value is not None and taxonomy.is_valid_pillar(value) else None


def _names_in(segment: str, taxonomy: Taxonomy) -> set[int]:
    """Pillars named in the segment, matching the longest names first without overlaps."""
    folded = _fold(segment)
    taken: list[tuple[int, int]] = []
    found: set[int] = set()
    for pattern, pillar in _alias_patterns(taxonomy):
        for match in pattern.finditer(folded):
            start, end = match.span()
            if any(start < b and a < end for a, b in taken):
                continue
            taken.append((start, end))
            found.add(pillar)
    return found


def _alias_patterns(taxonomy: Taxonomy) -> tuple[tuple[re.Pattern[str], int], ...]:
    """Folded names and aliases of every pillar and area, longest first (cached per taxonomy)."""
    cached = _ALIAS_CACHE.get(id(taxonomy))
    if cached is not None and cached[0] is taxonomy:
        return cached[1]
    aliases: dict[str, int] = {}
    for alias, pillar in _iter_aliases(taxonomy):
        aliases.setdefault(_fold(alias), pillar)
    ordered = sorted((a for a in aliases if a), key=lambda a: (-len(a), a))
    patterns = tuple((re.compile(rf"(?<!\w){re.escape(a)}(?!\w)"), aliases[a]) for a in ordered)
    if len(_ALIAS_CACHE) > 16:
        _ALIAS_CACHE.clear()
    # Keep a reference to the taxonomy so its id() cannot be reused while cached.
    _ALIAS_CACHE[id(taxonomy)] = (taxonomy, patterns)
    return patterns


def _iter_aliases(taxonomy: Taxonomy) -> Iterable[tuple[str, int]]:
    for pillar in taxonomy.pillars.values():
        for name in pillar.names.values():
            yield name, pillar.id
        for aliases in pillar.aliases.values():
            for alias in aliases:
                yield alias, pillar.id
    for area in taxonomy.areas.values():
        for name in area.names.values():
            yield name, area.pillar


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def _fold(text: str) -> str:
    """Lowercase, accent-free, punctuation turned into single spaces: "Co-operation" -> "co operation"."""
    return " ".join(re.sub(r"[\W_]+", " ", _strip_accents(text).casefold()).split())
