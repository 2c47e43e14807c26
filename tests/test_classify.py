"""The tagger: matches with evidence offsets, declared pillars kept, conflicts and untagged flagged."""

from __future__ import annotations

import pytest

from classify.engine import SectionInput, classify


def test_domestic_violence_in_spanish_with_evidence_offsets():
    text = "Capacitación en atención a víctimas de violencia intrafamiliar y órdenes de protección."
    result = classify(SectionInput(title="Comisarías de la mujer", fields={"lines_of_action": text},
                                   language="es", declared_pillar=""))
    assert 2 in result.pillars and "2.4" in result.themes
    theme = next(t for t in result.tags if t.code == "2.4")
    assert theme.source == "text" and 0 < theme.score <= 1
    for ev in theme.evidence:
        source = text if ev.field == "lines_of_action" else "Comisarías de la mujer"
        assert source[ev.start:ev.end] == ev.term


def test_a_phrase_broken_by_a_line_break_inside_a_field_still_matches():
    text = "Atención a víctimas de la violencia\ndoméstica en comisarías."  # a PDF table cell's wrap
    result = classify(SectionInput(title="Comisarías", fields={"lines_of_action": text}, language="es"))
    assert "2.4" in result.themes
    (ev,) = {e for t in result.tags if t.code == "2.4" for e in t.evidence if "violencia" in e.term}
    assert ev.term == "violencia\ndoméstica" == text[ev.start:ev.end]  # as written, offsets in the field


def test_declared_pillar_is_kept_and_conflict_flagged():
    result = classify(SectionInput(
        title="Control fronterizo integrado",
        fields={"lines_of_action": "Puestos de control en pasos fronterizos, control migratorio y aduanero."},
        language="es", declared_pillar="Pilar 4"))
    assert 4 in result.pillars
    assert next(t for t in result.tags if t.code == "4").source == "declared"
    assert "conflict" in result.flags


def test_a_declared_pillar_the_text_does_not_support_gets_the_texts_beside_it():
    border = "Puestos de control en pasos fronterizos, control migratorio y aduanero."
    result = classify(SectionInput(title="Control fronterizo integrado", fields={"lines_of_action": border},
                                   language="es", declared_pillar="Pilar 4"))
    assert result.text_scores.get(4, 0.0) < 0.45 <= result.text_scores[1]
    assert result.pillars == [1, 4] and "1.2" in result.themes and "conflict" in result.flags
    # a declared pillar with support of its own in the text: only a very strong other pillar joins it
    from classify.engine import load_scoring

    supported = classify(SectionInput(
        title="Control fronterizo con participación de las juntas vecinales",
        fields={"lines_of_action": "Puestos de control en pasos fronterizos. Juntas vecinales en la "
                "planificación de la seguridad."}, language="es", declared_pillar="Pilar 4"))
    strong = load_scoring()["decision"]["add_to_declared_min"]
    assert supported.text_scores[4] >= 0.45 and supported.text_scores[4] < supported.text_scores[1] < strong
    assert supported.pillars == [4] and "conflict" in supported.flags


def test_nothing_to_say_is_untagged():
    result = classify(SectionInput(title="Anexo", fields={"other": "Ver documento adjunto."}, language="es"))
    assert result.pillars == [] and "untagged" in result.flags


def test_thin_evidence_gives_a_best_guess_flagged_low_confidence():
    result = classify(SectionInput(title="Annex", fields={}, language="en",
                                   body="The meeting also discussed the law reform."))
    assert result.pillars == [1] and result.text_scores[1] < 0.45
    assert "low_confidence" in result.flags and "untagged" not in result.flags


def test_accent_and_case_insensitive_french_and_english():
    fr = classify(SectionInput(title="FORMATION INITIALE DES POLICIERS", fields={}, language="fr",
                               body="Formation continue des agents de police à l'académie nationale de police."))
    en = classify(SectionInput(title="Prison reform", fields={}, language="en",
                               body="Overcrowding in prisons was reduced and inmates joined rehabilitation programmes."))
    assert "3.2" in fr.themes and "1.4" in en.themes


def test_acronyms_match_in_exact_case_only():
    from classify.engine import matcher_for

    matcher = matcher_for("en")
    doc, found = matcher.match("Joint work with INTERPOL and CARICOM IMPACS; interpol notices.")
    hits = {(t.text, doc.text[start:end]) for t, start, end in found if t.case_sensitive}
    assert hits == {("INTERPOL", "INTERPOL"), ("CARICOM IMPACS", "CARICOM IMPACS")}
    assert not any(t.case_sensitive for t, _, _ in matcher.match("interpol and caricom impacs")[1])


def test_no_two_terms_of_a_pillar_read_as_the_same_words():
    """"policing" lemmatizes to "police": beside the weak "police" it made every mention of the
    police strong evidence for pillar 3, counted twice."""
    from classify.engine import _taxonomy, matcher_for

    taxonomy = _taxonomy(None)
    clashes = [f"{a.file}:{a.line} {a.text!r} and {b.file}:{b.line} {b.text!r}"
               for lang in taxonomy.languages for a, b in matcher_for(lang).same_words(taxonomy)]
    assert clashes == []


def test_same_words_finds_lemma_twins(tmp_path):
    import shutil

    from classify.engine import Matcher
    from classify.taxonomy import TAXONOMY_DIR, load_taxonomy

    shutil.copy(TAXONOMY_DIR / "pillars.toml", tmp_path / "pillars.toml")
    (tmp_path / "terms.es.tsv").write_text(
        "area\tweight\tterm\tflags\n3\t0.2\tpolicía\tweak\n3.2\t0.3\tpolicías\n"
        "2.3\t0.5\tpolicías\n5.4\t1\tAMERIPOL\tcase\n5.4\t1\tameripol\n", encoding="utf-8")
    taxonomy = load_taxonomy(tmp_path)
    pairs = [(a.text, b.text) for a, b in Matcher("es", taxonomy).same_words(taxonomy)]
    # the same pillar only; an acronym's exact case is not its folded form
    assert pairs == [("policía", "policías")]


def test_acronyms_found_where_the_orth_matcher_finds_them():
    from classify.engine import matcher_for

    for lang in ("en", "es"):
        matcher = matcher_for(lang)
        for text in ("INTERPOL, Interpol, interpol and INTERPOL; CARICOM IMPACS, Caricom IMPACS, CARICOM.",
                     "D.A.R.E. and G.R.E.A.T. with the UNODC", "d.a.r.e. y CPTED", "I-24/7 only"):
            doc = matcher.doc(text)
            acronyms = [m for m in matcher.find(doc) if matcher.terms[m[0]].case_sensitive]
            assert acronyms == matcher.orth_matcher(doc) and acronyms
            assert matcher.find(doc) == matcher.find(doc)  # the doc can be matched again


def test_british_and_us_spellings_tag_alike():
    from classify.engine import SectionInput, classify, us_spelling

    assert [us_spelling(w) for w in ("organise", "victimisation", "neighbourhood", "behaviour", "centre",
                                     "programme", "analyse", "four", "your", "hour")] == [
        "organize", "victimization", "neighborhood", "behavior", "center", "program", "analyze", "four",
        "your", "hour"]

    def tags(text):
        r = classify(SectionInput(title="x", fields={"description": text}, language="en"))
        return r.pillars, r.themes, [(t.code, t.score) for t in r.tags]

    british = "Neighbourhood watch groups organised against transnational organised crime; a victimisation survey."
    american = "Neighborhood watch groups organized against transnational organized crime; a victimization survey."
    assert tags(british) == tags(american) and tags(british)[1]


def test_a_hyphenated_compound_is_lemmatized_part_by_part():
    from classify.engine import matcher_for

    matcher = matcher_for("es")
    norms = {tuple(t.norm_ for t in matcher.doc(text)) for text in (
        "alianzas público-privadas", "alianza público-privada", "alianza público-privado")}
    assert len(norms) == 1 and "-" in next(iter(norms))[1]  # one compound, each part's lemma
    assert "4.2" in classify(SectionInput(title="x", fields={"description": "Mesas público-privadas de "
                                                             "seguridad con las cámaras de comercio."},
                                          language="es")).area_scores


def test_longest_drops_inner_matches_of_the_same_pillar_only():
    from classify.hits import _longest
    from classify.taxonomy import Term

    def term(text, pillar):
        return Term(str(pillar), pillar, "es", text, 1.0, False, False, "t", 1)

    terms = {1: term("violencia doméstica", 2), 2: term("violencia", 2), 3: term("violencia", 3),
             4: term("doméstica", 2)}
    # PhraseMatcher order: by start, shorter first; pillar 2 is met first, so it comes first at a tie
    matches = [(2, 0, 1), (3, 0, 1), (1, 0, 2), (4, 1, 2), (2, 5, 6)]
    kept = [(t.text, t.pillar, start, end) for t, start, end in _longest(matches, terms)]
    assert kept == [("violencia doméstica", 2, 0, 2), ("violencia", 3, 0, 1), ("violencia", 2, 5, 6)]


def test_eval_command_on_corpus(corpus_catalog, gold, tmp_path):
    from classify.evaluate import evaluate, load_gold, match_gold
    from classify.tagging import classify_row
    from pathlib import Path

    corpus = Path(__file__).parent.parent / "corpus"
    sections = list(corpus_catalog.iter_sections())

    def tune_scores(name: str) -> dict:
        pairs, missing = match_gold(load_gold(corpus / name, "tune"), sections)
        assert not missing
        return evaluate(pairs, lambda s: (lambda r: (r.pillars, r.themes))(classify_row(s))).micro

    micro = tune_scores("gold.jsonl")
    assert micro["pillar"].f1 >= 0.86  # measured 0.892 on the tune split (489 sections, session 10)
    # The same sections as settled by three readers to corpus/LABELLING.md (denser: 2.3 areas a section)
    micro = tune_scores("gold-consensus.jsonl")
    assert micro["pillar"].f1 >= 0.86 and micro["theme"].f1 >= 0.78  # measured 0.891 and 0.812


def test_eval_of_some_files_only(corpus_catalog):
    import json
    from pathlib import Path

    from click.testing import CliRunner

    from search_cli.cli import cli

    gold = str(Path(__file__).parent.parent / "corpus" / "gold.jsonl")

    def run(*args):
        return CliRunner().invoke(cli, ["--data-dir", str(corpus_catalog.path.parent), "eval", gold, *args])

    one = run("--file", "jam-2020", "--format", "json")
    assert one.exit_code == 0 and json.loads(one.output)["matched"] == 4  # that reply's 4 sections
    assert json.loads(one.output)["pipelines"] == {  # what read the texts is part of the figures
        lang: "blank + lookup lemmas (no trained pipeline configured)" for lang in ("en", "es", "pt", "fr")}
    assert "\nspaCy: blank + lookup lemmas for every language\n" in run("--file", "jam-2020").output
    two = json.loads(run("--file", "jam-2020", "--file", "guy-2021", "--format", "json").output)
    assert two["matched"] == 4 + 3
    assert "micro F1, 95% interval over 1,000 resamples of the 2 replies: pillar " in \
        run("--file", "jam-2020", "--file", "guy-2021").output
    inbox = json.loads(run("--file", "tto-2021", "--format", "json").output)  # a message of dps-inbox-2021.mbox
    assert inbox["matched"] == 4
    none = run("--file", "no-such-reply")
    assert none.exit_code == 2 and "no gold section" in none.output


@pytest.mark.parametrize("lines, message", [
    ('{"member_state": "Chile", "kind": "program", "title": "x", "pillars": [2], "themes": []}\n{"title": "y"',
     "gold.jsonl:2: not JSON (Expecting ',' delimiter at column 14)"),
    ('{"title": "y", "kind": "program"}', "gold.jsonl:1: a gold section needs member_state, pillars, themes"),
    ('{"member_state": "Chile", "kind": "program", "title": "x", "pillars": 2, "themes": []}',
     "gold.jsonl:1: pillars and themes are lists"),
])
def test_a_malformed_gold_file_is_named_by_its_line_and_eval_exits_2(tmp_path, lines, message):
    from click.testing import CliRunner

    from classify.evaluate import GoldError, load_gold
    from search_cli.cli import cli

    gold = tmp_path / "gold.jsonl"
    gold.write_text(lines + "\n", encoding="utf-8")
    with pytest.raises(GoldError) as caught:
        load_gold(gold)
    assert str(caught.value).startswith(message)
    result = CliRunner().invoke(cli, ["--data-dir", str(tmp_path / "d"), "eval", str(gold)])
    assert result.exit_code == 2 and f"Invalid value for GOLD: {message}" in result.output
    assert "Traceback" not in result.output


def test_eval_counts_true_and_false_positives_and_misses():
    from classify.evaluate import evaluate

    a, b = ({"id": n, "title": n.upper(), "member_state": "Chile"} for n in "ab")
    pairs = [({"pillars": [2], "themes": ["2.4"]}, a), ({"pillars": [2, 4], "themes": ["2.1", "4.1"]}, b)]
    predicted = {"a": ([2, 3], ["2.4", "3.2"]), "b": ([2], ["2.1"])}
    out = evaluate(pairs, lambda s: predicted[s["id"]]).to_dict()
    assert {k: out["micro"]["pillar"][k] for k in ("tp", "fp", "fn", "support")} == \
        {"tp": 2, "fp": 1, "fn": 1, "support": 3}
    assert out["micro"]["pillar"]["precision"] == round(2 / 3, 4)
    assert {k: out["themes"]["4.1"][k] for k in ("tp", "fp", "fn")} == {"tp": 0, "fp": 0, "fn": 1}
    assert (out["macro"]["theme"]["tp"], out["macro"]["theme"]["fn"]) == (2, 1)  # sums over the labels
    assert [e["id"] for e in out["errors"]] == ["a", "b"]


def test_eval_pairs_an_ocr_misread_title_with_the_closest_unpaired_one():
    from classify.evaluate import match_gold

    def section(n: int, title: str, kind: str = "lesson", state: str = "Argentina") -> dict:
        return {"id": n, "title": title, "kind": kind, "member_state": state}

    sections = [section(1, "Contro! de las empresas de seguridad privada"),
                section(2, "Control de armas de fuego"),
                section(3, "Control de las empresas de seguridad privada", kind="practice"),
                section(4, "Control de las empresas de seguridad privadas", state="Chile")]
    gold = [{"file": "f", "member_state": "Argentina", "kind": "lesson", "title": title} for title in
            ("Control de armas de fuego", "Control de las empresas de seguridad privada", "Reforma policial")]
    pairs, missing = match_gold(gold, sections)
    # exact first; then the misread title of the same state and kind, not the exact one of another kind
    assert [(g["title"][:12], s["id"]) for g, s in pairs] == [("Control de a", 2), ("Control de l", 1)]
    assert missing == ["f: lesson 'Reforma policial'"]
    # a section paired exactly is not paired again with a near title
    again, _ = match_gold([{**gold[0], "title": "Control de armas de fuegos"}, gold[0]], sections)
    assert [s["id"] for _, s in again] == [2]


def test_eval_interval_draws_whole_replies_and_is_reproducible():
    from classify.evaluate import evaluate

    def section(reply, n):
        return {"id": f"{reply}{n}", "title": "T", "member_state": "Chile", "document_id": reply}

    right = [({"pillars": [2], "themes": ["2.4"], "file": "good.docx"}, section("good", n)) for n in range(5)]
    wrong = [({"pillars": [3], "themes": ["3.2"], "file": "bad.pdf"}, section("bad", n)) for n in range(5)]
    predicted = lambda s: ([2], ["2.4"])  # noqa: E731
    one = evaluate(right, predicted).interval()
    assert (one["replies"], one["pillar"], one["theme"]) == (1, [1.0, 1.0], [1.0, 1.0])  # nothing to vary
    both = evaluate(right + wrong, predicted)
    ci = both.interval()
    assert ci["replies"] == 2 and ci == both.interval()  # seeded
    # Drawn reply by reply, a sample can hold the wrong reply twice (F1 0) or the right one twice (1);
    # drawn section by section, ten sections would almost never stray that far from 0.5.
    assert ci["pillar"] == [0.0, 1.0] and ci["theme"] == [0.0, 1.0]
    assert both.to_dict()["interval"]["pillar"] == [0.0, 1.0]
    assert evaluate([], predicted).interval() == {"level": 0.95, "resamples": 1000, "replies": 0}


def test_evidence_and_tags_made_without_init_equal_the_dataclass_ones():
    from classify.hits import _tag
    from ingest.model import Evidence, Tag

    result = classify(SectionInput(title="Violencia intrafamiliar", language="es",
                                   fields={"lines_of_action": "Atención a víctimas de violencia doméstica."}))
    records = [ev for t in result.tags for ev in t.evidence]
    assert records
    for ev in records:
        made = Evidence(ev.term, ev.field, ev.start, ev.end, ev.weight)
        assert ev == made and hash(ev) == hash(made) and repr(ev) == repr(made)
    tag, made = _tag("theme", "2.4", 0.75, "text", (ev,)), Tag("theme", "2.4", 0.75, "text", (made,))
    assert tag == made and hash(tag) == hash(made) and repr(tag) == repr(made)


def test_eval_pairs_each_gold_line_with_its_own_replys_section():
    """Two replies of one state may hold a section of the same kind and title (Costa Rica's 2022 and
    2025 replies both report "Centros Cívicos por la Paz"): each gold line meets its own file's."""
    from classify.evaluate import match_gold

    def section(n: int, path: str) -> dict:
        return {"id": n, "title": "Centros Cívicos por la Paz", "kind": "practice", "member_state": "Costa Rica",
                "source_path": path}

    sections = [section(1, "/c/replies/cri-2022-table.docx"),
                section(2, "/c/replies/cri-2025-paragraphzip.zip!/Respuesta_DPS.docx")]
    gold = [{"file": f"replies/{name}", "member_state": "Costa Rica", "kind": "practice",
             "title": "Centros cívicos por la paz"} for name in ("cri-2025-paragraphzip.zip", "cri-2022-table.docx")]
    pairs, missing = match_gold(gold, sections)
    assert [s["id"] for _, s in pairs] == [2, 1] and not missing
    # a gold file written for other copies of the replies still pairs by title, each section once
    other = [{**g, "file": "elsewhere/reply.docx"} for g in gold]
    pairs, missing = match_gold(other, sections)
    assert sorted(s["id"] for _, s in pairs) == [1, 2] and not missing
    # a gold line whose own reply lost the section (misread title) never takes another reply's
    pairs, missing = match_gold(gold[:1], [sections[0], {**sections[1], "title": "Otra cosa"}])
    assert pairs == [] and missing


def test_a_taxonomy_directory_of_its_own_is_the_one_matched(tmp_path):
    """``classify(taxonomy_dir=...)`` matches that folder's terms, not the package's."""
    import shutil

    from classify.taxonomy import TAXONOMY_DIR

    shutil.copy(TAXONOMY_DIR / "pillars.toml", tmp_path / "pillars.toml")
    (tmp_path / "terms.es.tsv").write_text("area\tweight\tterm\tflags\n4.4\t1\tzarzuela vecinal\n",
                                           encoding="utf-8")
    section = SectionInput(title="Zarzuela vecinal", fields={"description": "Una zarzuela vecinal cada mes."},
                           language="es")
    assert classify(section).themes == []  # not a term of the package's taxonomy
    mine = classify(section, taxonomy_dir=tmp_path)
    assert mine.themes == ["4.4"] and mine.pillars == [4]


def test_a_section_longer_than_spacys_limit_is_tagged_from_its_first_million_characters(tmp_path):
    """spaCy refuses a text over its max_length (1,000,000 characters); such a section (a long
    annex pasted into one field) is read up to there and flagged, and its reply still ingests."""
    import docx
    from click.testing import CliRunner

    from search_cli.cli import cli

    long = "La violencia doméstica en los hogares y la atención a las víctimas. " * 16_000
    section = SectionInput(title="Programa de atención", fields={"description": long, "results": "Resultados."},
                           language="es")
    result = classify(section)
    assert len(long) > 1_000_000 and result.flags == ["partly_read"]
    assert "2.4" in result.themes and 2 in result.pillars
    evidence = [e for t in result.tags for e in t.evidence]
    assert evidence and all(e.field == "description" and e.end <= 1_000_000 for e in evidence)
    assert classify(SectionInput(title="Programa", fields={"description": long[:5000]}, language="es")).flags == []

    reply = docx.Document()
    reply.add_heading("Programa de atención a víctimas de violencia doméstica", 1)
    reply.add_paragraph("Descripción: " + long)
    reply.save(tmp_path / "long.docx")
    result = CliRunner().invoke(cli, ["--data-dir", str(tmp_path / "data"), "ingest", str(tmp_path / "long.docx")],
                                catch_exceptions=False)
    assert result.exit_code == 0 and "failed" not in result.output, result.output
