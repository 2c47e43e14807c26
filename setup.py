"""The one build step pyproject.toml cannot say: classify/hits.py, the tagger's work after matching,
compiled with Cython into ``classify._hits_c`` (the same source, nothing rewritten in C).

Optional: without Cython or a C compiler the install goes on with a warning, and the tagger runs
the plain module (same results, tagging 5 to 10% slower). The compiled copy carries the SHA-256 of
the source it was built from, and ``classify.hits.best()`` uses it only while hits.py is unchanged,
so an edit never runs against a stale build; ``make install`` rebuilds when hits.py changes.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent
SOURCE = ROOT / "classify" / "hits.py"
TYPES = ROOT / "classify" / "hits.pxd"  # the C types of a few loop variables (Cython's "augmenting .pxd")
NAME = "classify._hits_c"


class OptionalBuildExt(build_ext):
    """Builds the compiled twin if it can; never fails the install for it."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # noqa: BLE001 - any compiler or setup failure leaves plain Python
            _warn(exc)

    def build_extension(self, ext) -> None:  # type: ignore[no-untyped-def]
        try:
            super().build_extension(ext)
        except Exception as exc:  # noqa: BLE001
            _warn(exc)


def _warn(exc: Exception) -> None:
    print(f"mispa: the tagger's compiled module was not built ({exc}); it runs as plain Python",
          file=sys.stderr)


def extensions() -> list:
    """``classify._hits_c`` from a copy of hits.py (and hits.pxd) named after it, with the source's
    SHA-256 appended; none when Cython is missing."""
    try:
        from Cython.Build import cythonize
    except ImportError as exc:
        _warn(exc)
        return []
    from setuptools import Extension

    staging = ROOT / "build" / "cython" / "classify"
    staging.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(SOURCE.read_bytes()).hexdigest()
    copy = staging / "_hits_c.py"
    source = SOURCE.read_text(encoding="utf-8")
    copy.write_text(f'{source}\n\nSOURCE_SHA256 = "{digest}"\n', encoding="utf-8")
    shutil.copyfile(TYPES, staging / "_hits_c.pxd")
    (staging / "__init__.py").touch()
    ext = Extension(NAME, [str(copy.relative_to(ROOT))])
    try:
        return cythonize([ext], compiler_directives={"language_level": 3, "annotation_typing": False},
                         quiet=True)
    except Exception as exc:  # noqa: BLE001 - a Cython error leaves plain Python too
        _warn(exc)
        return []


setup(ext_modules=extensions(), cmdclass={"build_ext": OptionalBuildExt})
