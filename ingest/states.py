"""Member-state names: normalise any way a reply writes a country to its OAS English name."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .datafiles import read_toml
from .text import fold, squash


@dataclass(frozen=True, slots=True)
class MemberState:
    name: str
    iso: str
    variants: tuple[str, ...]
    domains: tuple[str, ...]


@lru_cache(maxsize=1)
def member_states(path: Path = Path(__file__).parent / "data" / "member_states.toml") -> tuple[MemberState, ...]:
    """The 35 OAS Member States as listed in the data file."""
    data = read_toml(path, "state")
    return tuple(MemberState(s["name"], s["iso"], tuple(s.get("variants", ())), tuple(s.get("domains", ())))
                 for s in data["state"])


@lru_cache(maxsize=1)
def _pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    names: dict[str, str] = {}
    for state in member_states():
        for variant in (state.name, *state.variants):
            names[_norm(variant)] = state.name
    # Longest first, so "Dominican Republic" wins over "Dominica" and "Estados Unidos Mexicanos" over "Estados Unidos".
    alternatives = sorted(names, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w])(" + "|".join(re.escape(a) for a in alternatives) + r")(?![\w])")
    return pattern, names


def _norm(text: str) -> str:
    return squash(fold(text).replace("&", " and ").replace(" y ", " and ").replace(" e ", " and ")
                  .replace(" et ", " and ").replace("-", " "))


def normalize_state(text: str) -> str | None:
    """"República de Costa Rica" -> "Costa Rica"; None when no Member State is named."""
    if not text:
        return None
    pattern, names = _pattern()
    m = pattern.search(_norm(text))
    return names[m.group(1)] if m else None


def resolve_state(text: str) -> str | None:
    """A Member State as a user types one: by ISO code ("CRI"), by any name or variant in the four
    languages ("Brasil", "república de costa rica"), or by a part of one name that no other holds
    ("Trinidad"); None when it names none, or more than one ("Saint")."""
    code = text.strip().lower()
    for state in member_states():
        if state.iso.lower() == code:
            return state.name
    found = normalize_state(text)
    if found is None:
        within = _names_holding(text)
        found = within[0] if len(within) == 1 else None
    return found


def suggest_states(text: str) -> list[str]:
    """The Member States a name that ``resolve_state`` refused may have meant: those whose name
    holds it ("Saint"), else the closest spelling ("Chle": Chile)."""
    import difflib

    within = _names_holding(text)
    if within:
        return within
    names = {_norm(state.name): state.name for state in member_states()}
    return [names[n] for n in difflib.get_close_matches(_norm(text), list(names), n=1, cutoff=0.6)]


def _names_holding(text: str) -> list[str]:
    """The Member States whose name holds ``text`` (of four letters at least)."""
    part = _norm(text)
    if len(part) < 4:
        return []
    return [state.name for state in member_states() if part in _norm(state.name)]


def find_states(text: str) -> list[str]:
    """Every Member State named in ``text``, most mentioned first."""
    pattern, names = _pattern()
    counts: dict[str, int] = {}
    for m in pattern.finditer(_norm(text)):
        counts[names[m.group(1)]] = counts.get(names[m.group(1)], 0) + 1
    return sorted(counts, key=lambda k: -counts[k])


def state_for_domain(address: str) -> str | None:
    """The Member State whose domain suffix an e-mail address or host ends with."""
    host = address.rsplit("@", 1)[-1].lower().strip("> ")
    for state in member_states():
        if any(host.endswith(d) for d in state.domains if d != ".gov"):
            return state.name
    return None
