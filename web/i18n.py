"""The interface in English and Spanish: message catalogs as data, the language per request.

Messages live in ``web/translations/<lang>.toml`` (tables flatten to dotted keys: ``[search]
title = "..."`` is ``search.title``), so staff can edit wording without touching code. A key missing
from a language falls back to English, then to the key itself. The language is the one the user
picked (kept in the session), else the browser's best match from Accept-Language, else English.
Document text is never translated: replies are shown as written.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, redirect, request, session
from flask.typing import ResponseReturnValue

LANGUAGES = ("en", "es")
DEFAULT = "en"
TRANSLATIONS = Path(__file__).parent / "translations"


@lru_cache(maxsize=4)
def messages(lang: str) -> dict[str, str]:
    """The flattened catalog of one language ({} for an unknown one)."""
    path = TRANSLATIONS / f"{lang}.toml"
    if lang not in LANGUAGES or not path.exists():
        return {}
    with open(path, "rb") as f:
        return dict(_flatten(tomllib.load(f)))


def _flatten(table: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for key, value in table.items():
        if isinstance(value, dict):
            out.extend(_flatten(value, f"{prefix}{key}."))
        else:
            out.append((f"{prefix}{key}", str(value)))
    return out


def current_language() -> str:
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return str(chosen)
    return request.accept_languages.best_match(LANGUAGES, DEFAULT) or DEFAULT


def gettext(key: str, **values: object) -> str:
    """The message ``key`` in the request's language, with ``{name}`` placeholders filled."""
    text = messages(current_language()).get(key) or messages(DEFAULT).get(key) or key
    return text.format(**values) if values else text


def ngettext(key: str, n: int, **values: object) -> str:
    """``key.one`` for 1, else ``key.other``, with ``{n}`` filled: ngettext("search.count", 3)."""
    return gettext(f"{key}.{'one' if n == 1 else 'other'}", n=n, **values)


def safe_next(target: str | None, fallback: str = "/") -> str:
    """``target`` when it is a path on this site (no scheme, no host), else ``fallback``."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    parts = urlsplit(target)
    return fallback if parts.scheme or parts.netloc else target


def switch_language(lang: str) -> ResponseReturnValue:
    """Keep the chosen language in the session and go back where the user was."""
    if lang in LANGUAGES:
        session["lang"] = lang
    return redirect(safe_next(request.args.get("next")))


def init_app(app: Flask) -> None:
    app.add_url_rule("/lang/<lang>", "switch_language", switch_language)
    app.jinja_env.globals.update(t=gettext, tn=ngettext, current_language=current_language,
                                 languages=LANGUAGES)
