"""Names shown for codes: pillars and thematic areas (from the taxonomy, in the interface's
language), kinds, languages and questionnaire fields (from the message catalogs and labels.toml)."""

from __future__ import annotations

from flask import Flask

from classify.taxonomy import load_taxonomy

from .i18n import current_language, gettext


def _name(names: dict[str, str]) -> str:
    return names.get(current_language()) or names.get("en") or ""


def pillar_name(code: object) -> str:
    """"Police management" for 3 or "3" (the code itself when unknown)."""
    pillars = load_taxonomy().pillars
    key = int(str(code)) if str(code).isdigit() else -1
    return _name(pillars[key].names) if key in pillars else str(code)


def theme_name(code: str) -> str:
    areas = load_taxonomy().areas
    return _name(areas[code].names) if code in areas else code


def pillar_themes() -> list[tuple[str, list[str]]]:
    """(pillar id, its area codes) in questionnaire order, for the review form."""
    taxonomy = load_taxonomy()
    return [(str(p), [a.code for a in taxonomy.areas.values() if a.pillar == p]) for p in taxonomy.pillars]


def kind_name(kind: str) -> str:
    return gettext(f"kind.{kind}") if kind else ""


def language_name(lang: str | None) -> str:
    return gettext(f"language.{lang}") if lang else ""


def field_name(name: str) -> str:
    """A questionnaire field's label in the interface's language ("results" -> "Resultados alcanzados")."""
    from report.compendium import label

    return label(name, current_language())


def facet_label(param: str, value: str) -> str:
    if param == "pillar":
        return f"{value} · {pillar_name(value)}"
    if param == "theme":
        return f"{value} · {theme_name(value)}"
    if param == "kind":
        return kind_name(value)
    if param == "language":
        return language_name(value)
    return value


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(pillar_name=pillar_name, theme_name=theme_name, kind_name=kind_name,
                                 language_name=language_name, field_name=field_name, facet_label=facet_label,
                                 pillar_themes=pillar_themes)
