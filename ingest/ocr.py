"""OCR for PDF pages without a text layer: ``pdftoppm`` renders a page, ``tesseract`` reads it.

Each page is rendered at 300 dpi in grey and read by the Tesseract CLI in TSV mode, which gives
every word with its box; words are grouped into lines, and a line's size is estimated from the
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

from .errors import NeedsOCR
from .language import detect_language

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
class OcrResult:
    pages: dict[int, list[OcrLine]]
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
        result: dict[int, list[OcrLine]] = {}
        if wanted not in models:
            first = pages[0]
            result[first] = _ocr_page(path, first, "+".join(models), work)
            detected = detect_language(" ".join(ln.text for ln in result[first]))
            wanted = TESSERACT.get(detected or "")
        model = wanted if wanted in models else "+".join(models)
        rest = [p for p in pages if p not in result]
        with ThreadPoolExecutor(max_workers=max(1, min(2, os.cpu_count() or 1))) as pool:
            read = pool.map(lambda p: _ocr_page(path, p, model, work), rest)
            for page, lines in zip(rest, read, strict=True):
                result[page] = lines
    return OcrResult(pages=dict(sorted(result.items())), language=model)


def _ocr_page(pdf: Path, page: int, model: str, work: Path) -> list[OcrLine]:
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
    tsv = _run(["tesseract", str(image), "stdout", "-l", model, "--psm", "3", "tsv"])
    image.unlink(missing_ok=True)
    return parse_tsv(tsv)


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
    scale = 72.0 / dpi
    lines: dict[tuple[int, int, int], list[tuple[int, int, int, int, str]]] = {}
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
            continue
        key = (int(cols[2]), int(cols[3]), int(cols[4]))
        left, top, width, height = (int(c) for c in cols[6:10])
        lines.setdefault(key, []).append((left, top, width, height, cols[11].strip()))
    out = []
    for words in lines.values():
        size = _size(words)
        # Boxes follow the letters (a line of "país." is shorter than one of "Programa"), so the
        # line is placed by its baseline and size instead: gaps between lines then stay even.
        flat = [w[1] + w[3] for w in words if not set(w[4]) & _DESCENDERS]
        baseline = statistics.median(flat) if flat else max(w[1] + w[3] for w in words) - 0.2 * size
        out.append(
            OcrLine(
                top=(baseline - 0.7 * size) * scale,
                bottom=(baseline + 0.2 * size) * scale,
                x0=min(w[0] for w in words) * scale,
                text=" ".join(w[4] for w in words),
                size=size * scale,
            )
        )
    return sorted(out, key=lambda ln: (ln.top, ln.x0))


def _size(words: list[tuple[int, int, int, int, str]]) -> float:
    """Font size (pixels) from the words whose height is the capital/ascender height."""
    tall = [w[3] for w in words if set(w[4]) & _ASCENDERS and not set(w[4]) & _DESCENDERS]
    if tall:
        return statistics.median(tall) * _CAP_TO_SIZE
    return statistics.median(w[3] for w in words) * _CAP_TO_SIZE * 0.8
