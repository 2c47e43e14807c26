"""Bulk ingest: N generated replies with 1 worker and with 2, in the same run.

Replies are copies of the corpus's Word and PDF replies, each made distinct (a changed title in
its metadata) so none is a duplicate. Each run ingests into a fresh catalog with tagging, as
`mispa ingest --workers N` does, and the script prints both times and the speed-up.

    .venv/bin/python bench/bulk.py [--replies 1000] [--workers 1,2]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)
CORPUS = ROOT / "corpus" / "replies"


def generate(n: int, out: Path) -> list[Path]:
    """``n`` distinct replies: four in five Word, one in five PDF (text layer)."""
    import docx
    import pikepdf

    out.mkdir(parents=True, exist_ok=True)
    words = sorted(CORPUS.glob("*.docx"))
    pdfs = [p for p in sorted(CORPUS.glob("*.pdf")) if "scan" not in p.name]
    paths = []
    for i in range(n):
        if i % 5 == 4:
            path = out / f"reply-{i:04d}.pdf"
            with pikepdf.open(pdfs[i % len(pdfs)]) as pdf:
                pdf.docinfo["/Title"] = f"generated reply {i}"
                pdf.save(path)
        else:
            path = out / f"reply-{i:04d}.docx"
            d = docx.Document(str(words[i % len(words)]))
            d.core_properties.title = f"generated reply {i}"
            d.save(str(path))
        paths.append(path)
    return paths


def run(paths: list[Path], workers: int, data: Path) -> tuple[float, int]:
    from classify.tagging import tag_section
    from ingest.catalog import Catalog
    from ingest.pipeline import IngestOptions, ingest_paths

    with Catalog(data / "catalog.sqlite") as catalog:
        start = time.perf_counter()
        report = ingest_paths(paths, catalog, IngestOptions(workers=workers), tagger=tag_section)
        elapsed = time.perf_counter() - start
    assert not report.failed, report.failed[:3]
    return elapsed, report.totals()["sections"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replies", type=int, default=1000)
    ap.add_argument("--workers", default="1,2")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        paths = generate(args.replies, Path(tmp) / "replies")
        times = {}
        for n in (int(w) for w in args.workers.split(",")):
            elapsed, sections = run(paths, n, Path(tmp) / f"data-{n}")
            times[n] = elapsed
            print(f"--workers {n}: {len(paths)} replies, {sections} sections in {elapsed:.1f} s "
                  f"({len(paths) / elapsed:.1f} replies/s)")
        if 1 in times:
            for n, t in times.items():
                if n != 1:
                    print(f"speed-up with {n} workers: {times[1] / t:.2f}x  (target >= 1.6x on two cores)")


if __name__ == "__main__":
    main()
