"""Which spaCy pipeline reads each language's text for the tagger.

By default ``spacy.blank(lang)``, with the lookup lemmas of ``spacy-lookups-data``: nothing to
download, and fast. A trained pipeline can give better lemmas (it reads each word in its sentence,
where the lookup table knows one lemma per spelling), but runs a tagger over every word. One is used
for a language only when ``pipelines.toml`` in the taxonomy folder names it and it is installed: a package
(``es_core_news_md``, installed with pip into mispa's environment) or a folder saved with
``nlp.to_disk``. When the one named is missing or cannot be loaded, the blank one is used and
``mispa doctor`` reports why; mispa never downloads one.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .taxonomy import TAXONOMY_DIR, TaxonomyError, languages

PIPELINES_FILE = "pipelines.toml"
# The components that make lemmas (and what they read); a pipeline's parser, entity recognizer and
# the like are switched off: the tagger needs none of them.
LEMMA_COMPONENTS = frozenset({"tok2vec", "transformer", "tagger", "morphologizer", "attribute_ruler",
                              "lemmatizer", "trainable_lemmatizer"})


@dataclass(frozen=True)
class Choice:
    """The pipeline for one language: ``nlp`` the trained one, or None for ``spacy.blank``."""

    lang: str
    configured: str | None  # what pipelines.toml names, if anything
    nlp: Any | None
    reason: str  # one line for people: what is used, and why

    @property
    def ok(self) -> bool:
        """False when a configured pipeline could not be used."""
        return self.configured is None or self.nlp is not None


def configured(directory: Path | None = None) -> dict[str, str]:
    """The pipelines ``pipelines.toml`` names, by language (none when the file is absent), read
    once per process like the rest of the taxonomy folder.

    A file that is not valid TOML, or whose ``[pipelines]`` table holds anything but
    ``lang = "name or folder"``, raises ``TaxonomyError`` naming the file (and the line, for TOML).
    """
    return dict(_configured(Path(directory or TAXONOMY_DIR).resolve()))


@lru_cache(maxsize=8)
def _configured(directory: Path) -> tuple[tuple[str, str], ...]:
    path = directory / PIPELINES_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return ()
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TaxonomyError(f"{PIPELINES_FILE}: {exc}") from exc
    table = data.get("pipelines", {})
    if not isinstance(table, dict) or set(data) - {"pipelines"}:
        raise TaxonomyError(f"{PIPELINES_FILE}: expected only a [pipelines] table of lang = \"pipeline\"")
    known = languages(directory) if table else ()
    for lang, name in table.items():
        if lang not in known:
            raise TaxonomyError(f"{PIPELINES_FILE}: {lang!r} is not one of the taxonomy's languages "
                                f"({', '.join(known)})")
        if not isinstance(name, str) or not name.strip():
            raise TaxonomyError(f"{PIPELINES_FILE}: {lang} = {name!r} is not the name or folder of a "
                                "pipeline")
    return tuple((lang, name.strip()) for lang, name in table.items())


@lru_cache(maxsize=8)
def choose(lang: str, directory: Path | None = None) -> Choice:
    """The pipeline the tagger uses for ``lang`` (loaded once per process)."""
    name = configured(directory).get(lang)
    if name is None:
        return Choice(lang, None, None, "blank + lookup lemmas (no trained pipeline configured)")
    nlp, problem = _load(lang, name)
    if nlp is None:
        return Choice(lang, name, None, f"blank + lookup lemmas: {problem}")
    meta = nlp.meta
    label = f"{meta.get('name', name)} {meta.get('version', '')}".rstrip()
    return Choice(lang, name, nlp, f"trained pipeline {label}")


def missing(directory: Path | None = None) -> list[str]:
    """What pipelines.toml names that is not installed, one line each ("es: es_core_news_md ..."),
    found without loading any pipeline (the blank one reads those languages)."""
    return [f"{lang}: {name} is not installed; the blank pipeline reads {lang} (see mispa doctor)"
            for lang, name in configured(directory).items() if not _installed(name)]


def _installed(name: str) -> bool:
    import spacy

    return Path(name).expanduser().is_dir() or spacy.util.is_package(name)


def _load(lang: str, name: str) -> tuple[Any | None, str]:
    """The pipeline ``name`` with only its lemma components running, or None and why not."""
    import spacy

    folder = Path(name).expanduser()
    if not _installed(name):
        return None, f"{name} is not installed (pip install it into mispa's environment)"
    try:
        nlp = spacy.load(folder if folder.is_dir() else name)
    except Exception as exc:  # noqa: BLE001 - whatever a third-party pipeline raises: report, use the blank
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return None, f"{name} cannot be loaded: {first}"
    if nlp.lang != lang:
        return None, f"{name} is a pipeline for '{nlp.lang}', not '{lang}'"
    if not any(n in ("lemmatizer", "trainable_lemmatizer") for n in nlp.pipe_names):
        return None, f"{name} has no lemmatizer"
    for component in nlp.pipe_names:
        if component not in LEMMA_COMPONENTS:
            nlp.disable_pipe(component)
    return nlp, ""
