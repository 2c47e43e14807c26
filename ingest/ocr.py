"""OCR for PDF pages without a text layer: ``pdftoppm`` renders a page, ``tesseract`` reads it.

Each page is rendered at 300 dpi in grey, straightened and its table rules found and erased
(``scan_image``), and read by the Tesseract CLI in TSV mode, which gives every word with its box;
the PDF reader builds a table's cells from the rules and puts each word in its cell. Words are
grouped into lines, and a line's size is estimated from the
height of its capitals and ascenders, in points, so the PDF reader can find headings and
paragraphs in OCR'd pages as it does in born-digital ones. The language is the document's when
known (``spa``, ``eng``, ``por``, ``fra``); otherwise the first page is read with all four
models at once, its text's language detected, and the other pages read with that one.
No model is downloaded: the language packs come from the system (``tesseract-ocr-spa`` ...).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import NeedsOCR
from .language import detect_language
from .scan_image import prepare

DPI = 300
PAGE_TIMEOUT = 180  # seconds for rendering or reading one page
TESSERACT = {"es": "spa", "en": "eng", "pt": "por", "fr": "fra"}
INSTALL_HINT = (
    "apt-get install tesseract-ocr tesseract-ocr-spa tesseract-ocr-eng tesseract-ocr-por "
    "tesseract-ocr-fra poppler-utils"
)
_ASCENDERS = set("bdfhklt0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZÁÉÍÓÚÀÂÊÔÇÑ")
_DESCENDERS = set("gjpqyç,;()[]{}|/")
_CAP_TO_SIZE = 1 / 0.7  # a font's capital height is about 70% of its size


@dataclass(frozen=True, slots=True)
class OcrLine:
    """One line of OCR'd text; coordinates and size in PDF points (1/72 inch)."""

    top: float
    bottom: float
    x0: float
    text: str
    size: float


@dataclass(frozen=True, slots=True)
class OcrWord:
    """One OCR'd word; its box in PDF points, and its line as Tesseract numbers it."""

    line: tuple[int, int, int]  # block, paragraph, line
    x0: float
    top: float
    x1: float
    bottom: float
    text: str


@dataclass(frozen=True, slots=True)
class OcrPage:
    words: list[OcrWord]
    rules: list[dict[str, Any]]  # a table's ruling lines, as pdfplumber edges (see scan_image)


@dataclass(frozen=True, slots=True)
class OcrResult:
    pages: dict[int, OcrPage]
    language: str  # the Tesseract model(s) used, e.g. "spa" or "spa+eng+por+fra"


def missing_tools() -> list[str]:
    """The command-line tools OCR needs that are not on PATH."""
    return [t for t in ("tesseract", "pdftoppm") if shutil.which(t) is None]


@lru_cache(maxsize=4)
def installed_languages(tesseract: str) -> tuple[str, ...]:
    """The Tesseract language models installed (of the four the questionnaire uses)."""
    try:
        out = subprocess.run([tesseract, "--list-langs"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    listed = {line.strip() for line in out.splitlines()[1:]}
    return tuple(code for code in TESSERACT.values() if code in listed)


def ocr_pages(path: Path, pages: list[int], language: str | None = None) -> OcrResult:
    """OCR the given 1-based pages of a PDF; raises NeedsOCR when Tesseract cannot be used."""
    missing = missing_tools()
    if missing:
        raise NeedsOCR(f"no text layer; OCR needs {' and '.join(missing)} ({INSTALL_HINT})")
    tesseract = shutil.which("tesseract") or "tesseract"
    models = installed_languages(tesseract)
    if not models:
        raise NeedsOCR(f"no text layer; Tesseract has no spa/eng/por/fra language pack ({INSTALL_HINT})")
    wanted = TESSERACT.get(language or "")
    with tempfile.TemporaryDirectory(prefix="mispa-ocr-") as tmp:
        work = Path(tmp)
        result: dict[int, OcrPage] = {}
        if wanted not in models:
            first = pages[0]
            result[first] = _read(_page_image(path, first, work), "+".join(models))
            detected = detect_language(" ".join(w.text for w in result[first].words))
            wanted = TESSERACT.get(detected or "")
        model = wanted if wanted in models else "+".join(models)
        rest = [p for p in pages if p not in result]
        # Images are made ready here, one at a time, while the pool's threads run Tesseract on the
        # pages before: a page's arrays are large, and ingest workers have a memory cap.
        with ThreadPoolExecutor(max_workers=max(1, min(2, os.cpu_count() or 1))) as pool:
            read = [pool.submit(_read, _page_image(path, p, work), model) for p in rest]
            for page, future in zip(rest, read, strict=True):
                result[page] = future.result()
    return OcrResult(pages=dict(sorted(result.items())), language=model)


def _page_image(pdf: Path, page: int, work: Path) -> tuple[Path, list[dict[str, Any]]]:
    """A page rendered, straightened and its table rules taken out: (image, rules)."""
    prefix = work / f"page-{page}"
    _run(
        [
            "pdftoppm",
            "-singlefile",
            "-f",
            str(page),
            "-l",
            str(page),
            "-r",
            str(DPI),
            "-gray",
            "-png",
            str(pdf),
            str(prefix),
        ]
    )
    image = prefix.with_suffix(".png")
    return image, prepare(image, DPI)


def _read(prepared: tuple[Path, list[dict[str, Any]]], model: str) -> OcrPage:
    image, rules = prepared
    tsv = _run(["tesseract", str(image), "stdout", "-l", model, "--psm", "3", "tsv"])
    image.unlink(missing_ok=True)
    return OcrPage(words=tsv_words(tsv), rules=rules)


def _run(command: list[str]) -> str:
    # One thread per Tesseract process: its OpenMP threads only contend with each other here.
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        done = subprocess.run(command, capture_output=True, timeout=PAGE_TIMEOUT, env=env, check=True)
    except subprocess.TimeoutExpired as exc:
        raise NeedsOCR(f"{command[0]} took more than {PAGE_TIMEOUT} s on one page") from exc
    except (OSError, subprocess.CalledProcessError) as exc:
        raise NeedsOCR(
            f"{command[0]} failed ({type(exc).__name__}); check the install ({INSTALL_HINT})"
        ) from exc
    return done.stdout.decode("utf-8", "replace")


def parse_tsv(tsv: str, dpi: int = DPI) -> list[OcrLine]:
    """Tesseract TSV (one row per word) -> lines in reading order, in points."""
    return lines_of(tsv_words(tsv, dpi))


def tsv_words(tsv: str, dpi: int = DPI) -> list[OcrWord]:
    """Tesseract TSV -> its words, boxes in points."""
    scale = 72.0 / dpi
    out = []
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
            continue
        left, top, width, height = (int(c) * scale for c in cols[6:10])
        out.append(OcrWord((int(cols[2]), int(cols[3]), int(cols[4])), left, top, left + width, top + height,
                           cols[11].strip()))
    return out


def lines_of(words: list[OcrWord]) -> list[OcrLine]:
    """Words grouped by their Tesseract line, in reading order."""
    lines: dict[tuple[int, int, int], list[OcrWord]] = {}
    for word in words:
        lines.setdefault(word.line, []).append(word)
    sizes = {key: _size(members) for key, members in lines.items()}
    known = [size for size in sizes.values() if size is not None]
    usual = statistics.median(known) if known else None
    out = []
    for key, members in lines.items():
        # A line of no capital or ascender ("comunes.") has the size of the others, or failing
        # them, one guessed from its x-height.
        size = sizes[key] or usual or statistics.median(w.bottom - w.top for w in members) * _CAP_TO_SIZE * 0.8
        # Boxes follow the letters (a line of "país." is shorter than one of "Programa"), so the
        # line is placed by its baseline and size instead: gaps between lines then stay even.
        flat = [w.bottom for w in members if not set(w.text) & _DESCENDERS]
        baseline = statistics.median(flat) if flat else max(w.bottom for w in members) - 0.2 * size
        out.append(
            OcrLine(
                top=baseline - 0.7 * size,
                bottom=baseline + 0.2 * size,
                x0=min(w.x0 for w in members),
                text=" ".join(w.text for w in members),
                size=size,
            )
        )
    return sorted(out, key=lambda ln: (ln.top, ln.x0))


def _size(words: list[OcrWord]) -> float | None:
    """Font size (points) from the words whose height is the capital/ascender height; None when none is."""
    tall = [w.bottom - w.top for w in words if set(w.text) & _ASCENDERS and not set(w.text) & _DESCENDERS]
    return statistics.median(tall) * _CAP_TO_SIZE if tall else None
