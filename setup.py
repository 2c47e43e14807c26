"""The build steps pyproject.toml cannot say, both compiled with Cython:

- classify/hits.py, the tagger's work after matching, into ``classify._hits_c`` (the same source,
  nothing rewritten in C);
- classify/_scan.pyx, the tagger's matching done in C with spaCy's own structures, into
  ``classify._scan`` (C++, built against the spaCy of the build environment, whose version it
  records: pyproject.toml's build requirements name the same spaCy as its dependencies).

Optional: without Cython, a compiler or spaCy the install goes on with a warning, and the tagger
runs plain Python (same results, tagging slower). Each compiled copy carries the SHA-256 of the
source it was built from, and the tagger uses it only while that source is unchanged (and the
scanner only with the spaCy it was built for), so an edit never runs against a stale build;
``make install`` rebuilds when either source changes.
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
SCANNER = ROOT / "classify" / "_scan.pyx"
SCANNER_NAME = "classify._scan"


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


def _warn(exc: Exception, name: str = "") -> None:
    what = f"compiled module {name} was" if name else "compiled modules were"
    print(f"mispa: the tagger's {what} not built ({exc}); it runs as plain Python", file=sys.stderr)


def extensions() -> list:
    """``classify._hits_c`` from a copy of hits.py (and hits.pxd) named after it, and
    ``classify._scan`` from a copy of _scan.pyx, each with its source's SHA-256 appended (the
    scanner with the spaCy version too); none when Cython is missing, no scanner without spaCy."""
    try:
        from Cython.Build import cythonize
    except ImportError as exc:
        _warn(exc)
        return []
    from setuptools import Extension

    staging = ROOT / "build" / "cython" / "classify"
    staging.mkdir(parents=True, exist_ok=True)
    copy = staging / "_hits_c.py"
    copy.write_text(_stamped(SOURCE), encoding="utf-8")
    shutil.copyfile(TYPES, staging / "_hits_c.pxd")
    (staging / "__init__.py").touch()
    exts = [Extension(NAME, [str(copy.relative_to(ROOT))])]
    scanner = _scanner(staging)
    if scanner is not None:
        exts.append(scanner)
    built = []
    for ext in exts:  # one by one: the scanner failing to translate still leaves the other
        try:
            built += cythonize([ext], compiler_directives={"language_level": 3, "annotation_typing": False},
                               quiet=True)
        except Exception as exc:  # noqa: BLE001 - a Cython error leaves plain Python too
            _warn(exc, ext.name)
    return built


def _stamped(source: Path, **more: str) -> str:
    """The text of ``source`` with its SHA-256 (and ``more``) appended as module constants."""
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    lines = [f'SOURCE_SHA256 = "{digest}"', *(f'{name} = "{value}"' for name, value in more.items())]
    return source.read_text(encoding="utf-8") + "\n\n" + "\n".join(lines) + "\n"


def _scanner(staging: Path):  # type: ignore[no-untyped-def]
    """The extension of ``classify._scan``, stamped with the spaCy version it is built against;
    None (with a warning) when spaCy or numpy, whose declarations it reads, are not installed."""
    from importlib.metadata import PackageNotFoundError, version

    from setuptools import Extension

    try:
        import numpy

        spacy_version = version("spacy")
    except (ImportError, PackageNotFoundError) as exc:
        _warn(exc, "classify._scan")
        return None
    copy = staging / "_scan.pyx"
    copy.write_text(_stamped(SCANNER, SPACY_VERSION=spacy_version), encoding="utf-8")
    return Extension(SCANNER_NAME, [str(copy.relative_to(ROOT))], language="c++",
                     include_dirs=[numpy.get_include()])


setup(ext_modules=extensions(), cmdclass={"build_ext": OptionalBuildExt})
