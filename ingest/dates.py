"""Find the date a reply was written: in its text, in four languages' usual formats."""

from __future__ import annotations

import datetime as dt
import re

from .text import fold

_MONTHS = {
    # es, pt, fr, en month names (folded)
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7, "agosto": 8,
    "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
    "janeiro": 1, "fevereiro": 2, "marco": 3, "maio": 5, "junho": 6, "julho": 7, "setembro": 9,
    "outubro": 10, "novembro": 11, "dezembro": 12,
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7, "aout": 8,
    "octobre": 10, "novembre": 11, "decembre": 12,
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12,
}
_M = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})(?:er|st|nd|rd|th|o|º)?\s+(?:de\s+)?({_M})\s+(?:de\s+|del\s+|,\s*)?((?:19|20)\d\d)\b")
_MONTH_DAY_YEAR = re.compile(rf"\b({_M})\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+((?:19|20)\d\d)\b")
_ISO = re.compile(r"\b((?:19|20)\d\d)-(\d\d)-(\d\d)\b")


def find_date(text: str) -> dt.date | None:
    """The date a cover note was written: the latest full date in it ("10 de septiembre de 2013").

    A note usually also cites earlier dates (the questionnaire's, a previous note's), never later ones.
    """
    folded = fold(text[:6000])
    found: list[tuple[int, dt.date]] = []
    for m in _DAY_MONTH_YEAR.finditer(folded):
        _add(found, m.start(), int(m.group(3)), _MONTHS[m.group(2)], int(m.group(1)))
    for m in _MONTH_DAY_YEAR.finditer(folded):
        _add(found, m.start(), int(m.group(3)), _MONTHS[m.group(1)], int(m.group(2)))
    for m in _ISO.finditer(folded):
        _add(found, m.start(), int(m.group(1)), int(m.group(2)), int(m.group(3)))
    today = dt.date.today()
    dates = [d for _, d in found if d <= today]
    return max(dates) if dates else None


def _add(found: list[tuple[int, dt.date]], pos: int, year: int, month: int, day: int) -> None:
    try:
        found.append((pos, dt.date(year, month, day)))
    except ValueError:
        pass
