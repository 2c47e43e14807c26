"""Acceptance on the corpus's scanned reply: OCR'd, then at least 90% of its gold sections found with the
right kind and member state and a title within a small edit distance; every OCR'd section is marked."""

from __future__ import annotations

import shutil

import pytest
from ingest.text import close_enough, edit_distance, squash

pytestmark = pytest.mark.skipif(
    not (shutil.which("tesseract") and shutil.which("pdftoppm")),
    reason="tesseract or pdftoppm is not installed",
)


def test_scanned_reply_sections_found_through_ocr(corpus_catalog, gold):
    scans = [g for g in gold if g["format"] == "scan"]
    assert len({g["file"] for g in scans}) >= 1 and len(scans) >= 3
    found, report = 0, []
    for g in scans:
        rows = list(
            corpus_catalog.iter_sections(
                "d.file_name = ? AND s.kind = ?", (g["file"].split("/")[-1], g["kind"])
            )
        )
        best = min(rows, key=lambda r: edit_distance(squash(r["title"]), squash(g["title"])), default=None)
        ok = (
            best is not None
            and close_enough(squash(best["title"]), squash(g["title"]))
            and best["member_state"] == g["member_state"]
        )
        found += ok
        distance = edit_distance(squash(best["title"]), squash(g["title"])) if best else None
        report.append(f"{'ok ' if ok else 'MISS'} d={distance} {g['kind']} {g['title']!r}")
    ratio = found / len(scans)
    print(f"\nscanned sections found: {found}/{len(scans)} = {ratio:.2f}\n" + "\n".join(report))
    assert ratio >= 0.9, "\n".join(report)


def test_ocr_text_is_marked_in_the_catalog(corpus_catalog, gold):
    files = {g["file"].split("/")[-1] for g in gold if g["format"] == "scan"}
    for name in files:
        doc = corpus_catalog.db.execute("SELECT ocr FROM documents WHERE file_name = ?", (name,)).fetchone()
        assert doc["ocr"] == 1
        assert {r["ocr"] for r in corpus_catalog.iter_sections("d.file_name = ?", (name,))} == {1}
    others = corpus_catalog.db.execute(
        "SELECT count(*) FROM sections WHERE ocr = 1 AND document_id IN "
        "(SELECT id FROM documents WHERE ocr = 0)"
    ).fetchone()[0]
    assert others == 0
