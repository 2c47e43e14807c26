"""Offline language detection (en, es, pt, fr) from function-word frequencies.

No model is downloaded: each language's most frequent short words (``data/language.toml``)
are counted in the text; marker strings ("ção", "ción") break near ties between the Romance
languages. Returns None for text too short to tell.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

from .datafiles import read_toml

LANGUAGES = ("es", "en", "pt", "fr")
_WORD = re.compile(r"[a-zà-ÿœ']+")


@lru_cache(maxsize=1)
def _tables(path: Path = Path(__file__).parent / "data" / "language.toml") -> tuple[
        dict[str, frozenset[str]], dict[str, tuple[str, ...]]]:
    data = read_toml(path, "stopwords", "markers")
    stop = {lang: frozenset(words) for lang, words in data["stopwords"].items()}
    markers = {lang: tuple(m) for lang, m in data["markers"].items()}
    return stop, markers


def detect_language(text: str, min_words: int = 8) -> str | None:
    """Return "es", "en", "pt" or "fr" for ``text``, or None when it cannot tell."""
    words = _WORD.findall(text[:20000].lower())
    if len(words) < min_words:
        return None
    stop, markers = _tables()
    counts = Counter(words)
    scores = {lang: sum(counts[w] for w in stop[lang]) / len(words) for lang in LANGUAGES}
    sample = text[:20000].lower()
    for lang in LANGUAGES:
        scores[lang] += 0.002 * sum(sample.count(m) for m in markers[lang]) / max(1, len(words) / 100)
    best = max(scores, key=lambda k: scores[k])
    return best if scores[best] >= 0.05 else None
