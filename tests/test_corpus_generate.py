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
