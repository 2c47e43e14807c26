"""Load the MISPA taxonomy (pillars, thematic areas, weighted terms) from the data files.

The taxonomy is data, edited by DPS staff (see ``classify/taxonomy/README.md``):

- ``pillars.toml``: the five pillars (ids 1..5) with names and loose aliases per language,
  and the thematic areas ("1.1".."5.4") with their names;
- ``terms.<lang>.tsv``: one file per language, columns ``area  weight  term  flags``.

Every problem is reported as a :class:`TaxonomyError` naming the file and line, e.g.
``terms.es.tsv:41: unknown area '2.9'``. This module only uses the standard library: the search
path imports it, and spaCy is loaded only by the matchers.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.datafiles import DataFileError

TAXONOMY_DIR = Path(__file__).parent / "taxonomy"
PILLARS_FILE = "pillars.toml"
TERMS_GLOB = "terms.*.tsv"
TERMS_HEADER = ("area", "weight", "term", "flags")
FLAGS = frozenset({"weak", "case"})

_AREA_CODE = re.compile(r"^[1-9]\.[1-9]$")
_PILLAR_ID = re.compile(r"^[1-9]$")


class TaxonomyError(DataFileError):
    "The taxonomy files are malformed"

    folder = "classify/taxonomy/ (see README.md there)"


@dataclass(frozen=True, slots=True)
class Pillar:
    id: int
    names: dict[str, str]
    aliases: dict[str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class Area:
    code: str
    pillar: int
    names: dict[str, str]


@dataclass(frozen=True, slots=True)
class Term:
    """One weighted term. ``area`` is an area code ("2.4"), or a pillar id ("3") for a term
    that signals its pillar but no particular area; ``pillar`` is always set."""

    area: str
    pillar: int
    lang: str
    text: str
    weight: float
    weak: bool
    case_sensitive: bool
    file: str
    line: int

    @property
    def is_pillar_term(self) -> bool:
        """True when the term points at a pillar only, not at one of its areas."""
        return "." not in self.area


@dataclass(frozen=True, slots=True)
class Taxonomy:
    pillars: dict[int, Pillar]
    areas: dict[str, Area]
    terms: tuple[Term, ...]
    languages: tuple[str, ...] = ("en", "es", "pt", "fr")
    _by_lang: dict[str, tuple[Term, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_lang: dict[str, list[Term]] = {}
        for term in self.terms:
            by_lang.setdefault(term.lang, []).append(term)
        object.__setattr__(self, "_by_lang", {k: tuple(v) for k, v in by_lang.items()})

    def terms_for(self, lang: str) -> tuple[Term, ...]:
        """The terms of one language ("es"), in file order; () for an unknown language."""
        return self._by_lang.get(lang, ())

    def area_codes(self) -> tuple[str, ...]:
        """All area codes in questionnaire order: ("1.1", "1.2", ..., "5.4")."""
        return tuple(self.areas)

    def is_valid_pillar(self, x: object) -> bool:
        """True for a known pillar id, given as int (3) or digit string ("3")."""
        if isinstance(x, bool):
            return False
        if isinstance(x, str) and _PILLAR_ID.match(x.strip()):
            x = int(x.strip())
        return isinstance(x, int) and x in self.pillars

    def is_valid_area(self, code: str) -> bool:
        """True for a known area code such as "2.4"."""
        return isinstance(code, str) and code in self.areas


def fold(text: str) -> str:
    """Casefold, strip accents and collapse whitespace: "Policía  Nacional" -> "policia nacional"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.split())


def load_taxonomy(directory: Path | None = None) -> Taxonomy:
    """Load and validate the taxonomy in ``directory`` (default: the package's taxonomy/ folder).

    Cached per directory, so every caller shares one object: treat it as read-only.

        >>> load_taxonomy().areas["2.4"].names["es"]
        'Atención y prevención de la violencia intrafamiliar'
    """
    return _load_cached(Path(directory or TAXONOMY_DIR).resolve())


def area_codes(directory: Path | None = None) -> tuple[str, ...]:
    """The area codes of ``pillars.toml`` alone, in questionnaire order, without reading the term
    files (a search checking ``--theme`` needs no more)."""
    return tuple(_pillars_file(Path(directory or TAXONOMY_DIR).resolve())[2])


def languages(directory: Path | None = None) -> tuple[str, ...]:
    """The languages of ``pillars.toml`` alone, without reading the term files."""
    return _pillars_file(Path(directory or TAXONOMY_DIR).resolve())[0]


@functools.lru_cache(maxsize=8)
def _load_cached(directory: Path) -> Taxonomy:
    languages, pillars, areas = _pillars_file(directory)
    terms: list[Term] = []
    for path in sorted(directory.glob(TERMS_GLOB)):
        terms.extend(_read_terms(path, languages, pillars, areas))
    return Taxonomy(pillars=pillars, areas=areas, terms=tuple(terms), languages=languages)


# --------------------------------------------------------------------------- pillars.toml


@functools.lru_cache(maxsize=8)
def _pillars_file(directory: Path) -> tuple[tuple[str, ...], dict[int, Pillar], dict[str, Area]]:
    """``pillars.toml`` of the (resolved) ``directory``, read once per process: the taxonomy, the
    area codes and the languages all come from this one reading. Treat it as read-only."""
    return _read_pillars(directory / PILLARS_FILE)


def _read_pillars(path: Path) -> tuple[tuple[str, ...], dict[int, Pillar], dict[str, Area]]:
    import tomllib  # here: a search imports this module for TAXONOMY_DIR alone (the vocabulary's digest)

    text = _read_text(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _toml_error(path, exc) from exc
    languages = _read_languages(path, text, data)
    pillars: dict[int, Pillar] = {}
    for entry in _tables(path, data, "pillars"):
        pillar = _parse_pillar(path, text, entry, languages)
        if pillar.id in pillars:
            raise _error(path, _line_of(text, "id", pillar.id, nth=2), f"duplicated pillar {pillar.id}")
        pillars[pillar.id] = pillar
    areas: dict[str, Area] = {}
    for entry in _tables(path, data, "areas"):
        area = _parse_area(path, text, entry, languages, pillars)
        if area.code in areas:
            raise _error(path, _line_of(text, "code", area.code, nth=2), f"duplicated area '{area.code}'")
        areas[area.code] = area
    _check_every_pillar_has_areas(path, pillars, areas)
    return languages, pillars, areas


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise TaxonomyError(f"{path.name}: file not found in {path.parent}") from exc
    except UnicodeDecodeError as exc:
        raise TaxonomyError(f"{path.name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc


def _toml_error(path: Path, exc: ValueError) -> TaxonomyError:  # a tomllib.TOMLDecodeError
    # Python 3.11's TOMLDecodeError has no lineno attribute: the position is in the message.
    message = str(exc)
    found = re.search(r"\(at line (\d+), column \d+\)", message)
    line = int(found.group(1)) if found else 0
    reason = message[: found.start()].strip() if found else message
    return _error(path, line, f"TOML syntax error: {reason}")


def _read_languages(path: Path, text: str, data: dict[str, Any]) -> tuple[str, ...]:
    languages = data.get("languages")
    if not isinstance(languages, list) or not languages or not all(
        isinstance(x, str) and re.fullmatch(r"[a-z]{2}", x) for x in languages
    ):
        raise _error(path, _line_of(text, "languages"), "'languages' must be a list of two-letter codes")
    return tuple(languages)


def _tables(path: Path, data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    tables = data.get(key)
    if not isinstance(tables, list) or not tables or not all(isinstance(t, dict) for t in tables):
        raise _error(path, 0, f"missing [[{key}]] tables")
    return tables


def _parse_pillar(path: Path, text: str, entry: dict[str, Any], languages: tuple[str, ...]) -> Pillar:
    pillar_id = entry.get("id")
    if isinstance(pillar_id, bool) or not isinstance(pillar_id, int) or not 1 <= pillar_id <= 9:
        line = _line_of(text, "id", pillar_id)
        raise _error(path, line, f"pillar id must be an integer 1..9, got {pillar_id!r}")
    where = f"pillar {pillar_id}"
    names = _names(path, text, entry, languages, where, _line_of(text, "id", pillar_id))
    raw_aliases = entry.get("aliases", {})
    if not isinstance(raw_aliases, dict):
        raise _error(path, _line_of(text, "id", pillar_id), f"{where}: 'aliases' must be a table of lists")
    aliases: dict[str, tuple[str, ...]] = {}
    for lang, values in raw_aliases.items():
        line = _line_of(text, f"aliases.{lang}", after=_line_of(text, "id", pillar_id))
        if lang not in languages:
            raise _error(path, line, f"{where}: aliases for undeclared language '{lang}'")
        if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
            raise _error(path, line, f"{where}: aliases.{lang} must be a list of non-empty strings")
        aliases[lang] = tuple(v.strip() for v in values)
    return Pillar(id=pillar_id, names=names, aliases={lang: aliases.get(lang, ()) for lang in languages})


def _parse_area(
    path: Path, text: str, entry: dict[str, Any], languages: tuple[str, ...], pillars: Mapping[int, Pillar]
) -> Area:
    code = entry.get("code")
    line = _line_of(text, "code", code)
    if not isinstance(code, str) or not _AREA_CODE.match(code):
        raise _error(path, line, f"area code must look like \"2.4\", got {code!r}")
    pillar = entry.get("pillar")
    if not isinstance(pillar, int) or isinstance(pillar, bool) or pillar not in pillars:
        raise _error(path, line, f"area '{code}': unknown pillar {pillar!r}")
    if not code.startswith(f"{pillar}."):
        raise _error(path, line, f"area '{code}' must start with its pillar id {pillar}")
    names = _names(path, text, entry, languages, f"area '{code}'", line)
    return Area(code=code, pillar=pillar, names=names)


def _names(
    path: Path, text: str, entry: dict[str, Any], languages: tuple[str, ...], where: str, line: int
) -> dict[str, str]:
    names = entry.get("names")
    if not isinstance(names, dict):
        raise _error(path, line, f"{where}: missing names")
    for lang in languages:
        if not isinstance(names.get(lang), str) or not names[lang].strip():
            raise _error(path, line, f"{where}: missing name in '{lang}'")
    extra = sorted(set(names) - set(languages))
    if extra:
        raise _error(path, line, f"{where}: name for undeclared language '{extra[0]}'")
    return {lang: names[lang].strip() for lang in languages}


def _check_every_pillar_has_areas(
    path: Path, pillars: Mapping[int, Pillar], areas: Mapping[str, Area]
) -> None:
    for pillar_id in pillars:
        if not any(area.pillar == pillar_id for area in areas.values()):
            raise _error(path, 0, f"pillar {pillar_id} has no areas")


def _line_of(text: str, key: str, value: object = None, nth: int = 1, after: int = 0) -> int:
    """Best-effort line number of ``key = value`` in a TOML text, for error messages (0 if unknown)."""
    if value is None:
        wanted = re.compile(rf"^\s*{re.escape(key)}\s*=")
    else:
        literal = f'"{value}"' if isinstance(value, str) else str(value)
        wanted = re.compile(rf"^\s*{re.escape(key)}\s*=\s*{re.escape(literal)}\s*(#.*)?$")
    seen = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if number > after and wanted.match(line):
            seen += 1
            if seen == nth:
                return number
    return 0


def _error(path: Path, line: int, message: str) -> TaxonomyError:
    location = f"{path.name}:{line}" if line else path.name
    return TaxonomyError(f"{location}: {message}")


# --------------------------------------------------------------------------- terms.<lang>.tsv


def _read_terms(
    path: Path, languages: tuple[str, ...], pillars: Mapping[int, Pillar], areas: Mapping[str, Area]
) -> Iterator[Term]:
    lang = path.name.split(".")[1]
    if lang not in languages:
        raise _error(path, 0, f"language '{lang}' is not declared in {PILLARS_FILE}")
    seen: dict[tuple[str, str], int] = {}
    header_seen = False
    for number, cells in _iter_rows(path):
        if not header_seen:
            if tuple(c.strip().lower() for c in cells) not in (TERMS_HEADER, TERMS_HEADER[:3]):
                raise _error(path, number, "expected the header line 'area<TAB>weight<TAB>term<TAB>flags'")
            header_seen = True
            continue
        term = _parse_term(path, number, cells, lang, pillars, areas)
        key = (term.area, term.text if term.case_sensitive else fold(term.text))
        if key in seen:
            first = f"(first on line {seen[key]})"
            raise _error(path, number, f"duplicated term '{term.text}' for area '{term.area}' {first}")
        seen[key] = number
        yield term


def _iter_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number, cells) for every line that is not blank or a ``#`` comment."""
    for number, raw in enumerate(_read_text(path).splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        yield number, raw.rstrip("\r\n").split("\t")


def _parse_term(
    path: Path,
    number: int,
    cells: list[str],
    lang: str,
    pillars: Mapping[int, Pillar],
    areas: Mapping[str, Area],
) -> Term:
    if len(cells) not in (3, 4):
        expected = "expected 3 or 4 tab-separated columns (area, weight, term, flags)"
        raise _error(path, number, f"{expected}, got {len(cells)}")
    area, weight_text, text = (c.strip() for c in cells[:3])
    flags = _parse_flags(path, number, cells[3] if len(cells) == 4 else "")
    if area in areas:
        pillar = areas[area].pillar
    elif _PILLAR_ID.match(area) and int(area) in pillars:
        pillar = int(area)
    else:
        raise _error(path, number, f"unknown area '{area}'")
    weight = _parse_weight(path, number, weight_text)
    if not text:
        raise _error(path, number, "empty term")
    return Term(
        area=area, pillar=pillar, lang=lang, text=" ".join(text.split()), weight=weight,
        weak="weak" in flags, case_sensitive="case" in flags, file=path.name, line=number,
    )


def _parse_weight(path: Path, number: int, text: str) -> float:
    try:
        weight = float(text)
    except ValueError:
        raise _error(path, number, f"bad weight '{text}': not a number") from None
    if not math.isfinite(weight) or not 0 < weight <= 1:
        raise _error(path, number, f"bad weight '{text}': must be in (0, 1]")
    return weight


def _parse_flags(path: Path, number: int, text: str) -> frozenset[str]:
    flags = frozenset(f.strip().lower() for f in text.split(",") if f.strip())
    unknown = sorted(flags - FLAGS)
    if unknown:
        raise _error(path, number, f"unknown flag '{unknown[0]}' (known: {', '.join(sorted(FLAGS))})")
    return flags
