"""The tagger's compiled modules, and whether one may run.

At install setup.py compiles two sources when it can: ``hits.py`` (into ``classify._hits_c``) and
``_scan.pyx`` (into ``classify._scan``), writing into each the SHA-256 of the source it was built
from (``SOURCE_SHA256``). A compiled module is used only while that source is unchanged, so an
edit made after the install never runs older code; the plain Python path gives the same results.
"""

from __future__ import annotations

import hashlib
import importlib
import os
from pathlib import Path
from types import ModuleType

PURE_PYTHON = "plain Python (MISPA_PURE_PYTHON=1)"  # the reason given when the environment asks for it


def load(name: str, source: Path) -> tuple[ModuleType | None, str]:
    """The compiled module ``name`` when it was built from ``source`` as it is now: (module, "").
    Otherwise (None, why), why being "off" (the environment sets MISPA_PURE_PYTHON=1), "missing"
    (not built, or it does not load) or "stale" (built from an older ``source``)."""
    if os.environ.get("MISPA_PURE_PYTHON") == "1":
        return None, "off"
    try:
        module = importlib.import_module(name)
    except (ImportError, ValueError):  # ValueError: a C structure changed size since the build (spaCy's)
        return None, "missing"
    if getattr(module, "SOURCE_SHA256", None) != sha256_of(source):
        return None, "stale"
    return module, ""


def sha256_of(path: Path) -> str | None:
    """The SHA-256 of ``path``'s bytes (what setup.py writes into a module built from it); None when
    the file is not there."""
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None
