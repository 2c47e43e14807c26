"""The corpus generator renders each reply as committed: presentation variants are pinned per reply
(corpus/variants.json), so adding a reply changes no other reply's file."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


@pytest.fixture(scope="module")
def generate():
    spec = importlib.util.spec_from_file_location("corpus_generate", CORPUS / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def test_every_reply_has_a_pinned_variant_and_docx_replies_rebuild_byte_identical(generate):
    replies = generate.load_sources(CORPUS / "source")
    kept = (CORPUS / "variants.json").read_text(encoding="utf-8")
    assert all(f'"{r.id}":' in kept for r in replies)
    variants = generate.pinned_variants(replies, CORPUS / "variants.json")
    docx = [r for r in replies if r.format == "docx"]
    assert len(docx) >= 20
    for reply in docx:  # python-docx only: the same bytes on any machine (PDFs depend on fonts)
        assert generate.build_docx(reply, variants[reply.id]) == (CORPUS / "replies" / f"{reply.id}.docx").read_bytes(), reply.id


def test_a_new_reply_changes_no_other_variant(generate, tmp_path):
    replies = generate.load_sources(CORPUS / "source")
    pinned = tmp_path / "variants.json"
    generate.write_variants(generate.pinned_variants(replies[:-3], pinned), pinned)
    before = generate.pinned_variants(replies[:-3], pinned)
    after = generate.pinned_variants(replies, pinned)  # three replies added
    assert {k: after[k] for k in before} == before
    assert after[replies[-1].id] == generate.choose_variant(replies[-1])  # from its own id
    assert generate.write_variants(after, pinned) and not generate.write_variants(after, pinned)


def test_a_numbered_list_that_starts_an_answer_starts_under_its_label(generate):
    # auto_numbering, paragraph layout: "Lines of action: 1) ..." once kept its typed "1)" on the
    # label's line while Word numbered the next items from 1 again (1, 1, 2, 3)
    import dataclasses
    import io

    import docx

    replies = {r.id: r for r in generate.load_sources(CORPUS / "source")}
    reply = replies["bol-2024-paragraphpdf"]
    variant = generate.pinned_variants([reply], CORPUS / "variants.json")[reply.id]
    assert variant.auto_numbering and reply.layout == "paragraph"
    first = next(s for s in reply.sections if s.kind == "program")
    listed = dataclasses.replace(first, fields={**first.fields, "lines_of_action": "1) Uno.\n\n2) Dos.\n\n3) Tres."})
    reply = dataclasses.replace(reply, sections=(listed, *[s for s in reply.sections if s is not first]))
    paragraphs = docx.Document(io.BytesIO(generate.build_docx(reply, variant))).paragraphs
    at = next(i for i, p in enumerate(paragraphs) if p.text in ("Uno.", "1) Uno."))
    assert [p.text for p in paragraphs[at:at + 3]] == ["Uno.", "Dos.", "Tres."]
    assert all(p._p.pPr is not None and p._p.pPr.numPr is not None for p in paragraphs[at:at + 3])
    assert paragraphs[at - 1].text.rstrip().endswith(":")  # the label, alone on its line


def test_letterhead_box_is_as_tall_as_its_wrapped_lines(generate):
    # a first line too long for the box wrapped and pushed the last line out of sight
    assert generate.letterhead_height("MISSION\nto the OAS\nWashington, D.C.") == 48
    assert generate.letterhead_height("PERMANENT MISSION OF THE CO-OPERATIVE REPUBLIC OF GUYANA\n"
                                      "to the Organization of American States\nWashington, D.C.") == 63
