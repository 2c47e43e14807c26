"""Ingest speed: the corpus plus a generated set of replies, against raw pdfplumber in the same run.

Prints pages per second of `mispa` ingest (read + split + tag + commit) over the corpus PDFs next to
bare `pdfplumber` `extract_text` over the same PDFs, their ratio (our overhead), and the time for
the whole corpus plus N generated DOCX replies (copies of corpus replies made distinct, so none is
a duplicate).

    .venv/bin/python bench/ingest.py [--replies 200]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # this script is named like the ingest package: import the package, not itself
CORPUS = ROOT / "corpus" / "replies"


def raw_pdfplumber(pdfs: list[Path]) -> tuple[int, float]:
    import pdfplumber
    pages, start = 0, time.perf_counter()
    for path in pdfs:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                page.extract_text()
                pages += 1
    return pages, time.perf_counter() - start


def ours(paths: list[Path], data: Path, pool: object) -> tuple[int, float]:
    from classify.tagging import tag_section
    from ingest.catalog import Catalog
    from ingest.pipeline import ingest_paths
    catalog = Catalog(data / "catalog.sqlite")
    start = time.perf_counter()
    report = ingest_paths(paths, catalog, tagger=tag_section, pool=pool)  # type: ignore[arg-type]
    elapsed = time.perf_counter() - start
    catalog.close()
    assert not report.failed, report.failed
    return report.totals()["sections"], elapsed


def generate(n: int, out: Path) -> list[Path]:
    import docx
    out.mkdir(parents=True, exist_ok=True)
    sources = sorted(CORPUS.glob("*.docx"))
    paths = []
    for i in range(n):
        d = docx.Document(str(sources[i % len(sources)]))
        d.core_properties.title = f"generated reply {i}"
        d.add_paragraph(f"Referencia interna {i:04d}.")
        path = out / f"gen-{i:04d}.docx"
        d.save(str(path))
        paths.append(path)
    return paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replies", type=int, default=200)
    args = ap.parse_args()
    pdfs = [p for p in sorted(CORPUS.glob("*.pdf")) if not p.stem.endswith("scan")]  # OCR: not comparable
    from ingest.workers import WorkerPool

    with tempfile.TemporaryDirectory() as tmp, WorkerPool(1) as pool:
        tmpdir = Path(tmp)
        # Warm the worker (spaCy pipelines of the four languages, pdfplumber) on one reply per
        # language, so neither side pays for loading; the workers of a real batch stay warm too.
        warm = [CORPUS / n for n in ("cri-2013-table.docx", "jam-2013-table.docx", "bra-2013-table.docx",
                                     "hti-2013-table.docx", pdfs[0].name)]
        ours(warm, tmpdir / "warm", pool)
        raw_pdfplumber(pdfs[:1])
        pages, raw_s = raw_pdfplumber(pdfs)
        _, our_s = ours(pdfs, tmpdir / "pdf", pool)
        print(f"PDF pages: {pages} in {len(pdfs)} corpus PDFs")
        print(f"  pdfplumber extract_text : {pages / raw_s:8.1f} pages/s ({raw_s:.2f} s)")
        print(f"  mispa ingest            : {pages / our_s:8.1f} pages/s ({our_s:.2f} s)")
        print(f"  overhead ratio          : {our_s / raw_s:8.2f}x  (target <= 1.5x)")
        gen = generate(args.replies, tmpdir / "gen")
        sections, all_s = ours([CORPUS, *gen], tmpdir / "all", pool)
        files = len(list(CORPUS.iterdir())) + len(gen)
        print(f"corpus + {len(gen)} generated replies: {files} files, {sections} sections in {all_s:.1f} s"
              f" ({files / all_s:.1f} files/s, {sections / all_s:.1f} sections/s)")
    shutil.rmtree(tmpdir, ignore_errors=True)


if __name__ == "__main__":
    main()
