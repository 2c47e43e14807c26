"""Issue #3, point 3: a trained spaCy pipeline reads a language instead of spacy.blank only when
one is installed and configured (classify/taxonomy/pipelines.toml); otherwise the blank one with the
lookup lemmas, and `mispa doctor` says why.

No trained pipeline is installed here (and none is downloaded), so the tests save a small one of
their own with ``nlp.to_disk``: a lemmatizer whose table knows a word the lookup tables do not.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def pipeline_dir(tmp_path_factory) -> Path:
    """A saved Spanish pipeline whose lemmatizer reads the misspelt "violenzia" as "violencia"."""
    import spacy
    from spacy.lookups import Lookups

    nlp = spacy.blank("es")
    lemmatizer = nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    lookups = Lookups()
    lookups.add_table("lemma_lookup", {"violenzia": "violencia", "Violenzia": "violencia"})
    lemmatizer.initialize(lookups=lookups)
    path = tmp_path_factory.mktemp("pipeline") / "es_test_pipeline"
    nlp.to_disk(path)
    return path


def taxonomy_with(tmp_path: Path, pipelines_toml: str) -> Path:
    from classify.taxonomy import TAXONOMY_DIR

    folder = tmp_path / "taxonomy"
    shutil.copytree(TAXONOMY_DIR, folder)
    (folder / "pipelines.toml").write_text(pipelines_toml, encoding="utf-8")
    return folder


SECTION = dict(title="Programa municipal", fields={"description": "Apoyo a familias que sufren violenzia "
                                                                  "doméstica; ONU Mujeres apoya."})


def tagged(language: str, taxonomy_dir: Path | None, section: dict = SECTION):
    from classify.engine import SectionInput, classify

    return classify(SectionInput(language=language, **section), taxonomy_dir=taxonomy_dir)


def test_the_blank_pipeline_reads_every_language_when_none_is_configured():
    from classify import pipelines
    from classify.engine import matcher_for

    assert pipelines.configured() == {}  # the shipped file names none
    for lang in ("en", "es", "pt", "fr"):
        choice = pipelines.choose(lang)
        assert choice.nlp is None and choice.ok and "no trained pipeline configured" in choice.reason
        assert not matcher_for(lang).trained


def test_a_configured_and_installed_pipeline_reads_its_language(tmp_path, pipeline_dir):
    from classify import pipelines
    from classify.engine import matcher_for

    folder = taxonomy_with(tmp_path, f'[pipelines]\nes = "{pipeline_dir}"\n')
    choice = pipelines.choose("es", folder)
    assert choice.ok and choice.nlp is not None and choice.reason.startswith("trained pipeline")
    assert matcher_for("es", folder).trained and not matcher_for("pt", folder).trained

    # Its lemma "violencia" for "violenzia" meets the term "violencia doméstica" (2.4); the lookup
    # lemmas of the blank pipeline do not know the word.
    assert tagged("es", None).area_scores == {}
    result = tagged("es", folder)
    assert "2.4" in result.themes
    evidence = [e for t in result.tags if t.code == "2.4" for e in t.evidence]
    text = SECTION["fields"]["description"]
    assert any(e.term == "violenzia doméstica" and text[e.start:e.end] == e.term and e.field == "description"
               for e in evidence)
    # Words the pipeline leaves as they are still get the lookup table's lemma ("mujeres" ->
    # "mujer"), and acronyms still match on their exact case.
    doc = matcher_for("es", folder).doc("mujeres víctimas")
    assert [t.norm_ for t in doc] == [t.norm_ for t in matcher_for("es").doc("mujeres víctimas")]
    matcher = matcher_for("es", folder)
    doc = matcher.doc("Con la ONU, la onu y INTERPOL.")
    acronyms = [m for m in matcher.find(doc) if matcher.terms[m[0]].case_sensitive]
    assert acronyms and acronyms == matcher.orth_matcher(doc)


def test_a_configured_pipeline_that_cannot_be_used_leaves_the_blank_one_and_says_why(tmp_path, pipeline_dir):
    from classify import pipelines
    from classify.engine import matcher_for

    folder = taxonomy_with(tmp_path, '[pipelines]\nes = "es_core_news_zz"\n'
                                     f'pt = "{pipeline_dir}"\nfr = "{tmp_path / "nowhere"}"\n')
    es, pt, fr = (pipelines.choose(lang, folder) for lang in ("es", "pt", "fr"))
    assert not es.ok and es.reason == "blank + lookup lemmas: es_core_news_zz is not installed (pip install it " \
                                      "into mispa's environment)"
    assert not pt.ok and "a pipeline for 'es', not 'pt'" in pt.reason
    assert not fr.ok and "is not installed" in fr.reason
    assert not matcher_for("es", folder).trained
    assert pipelines.missing(folder) == [
        "es: es_core_news_zz is not installed; the blank pipeline reads es (see mispa doctor)",
        f"fr: {tmp_path / 'nowhere'} is not installed; the blank pipeline reads fr (see mispa doctor)"]
    plain = dict(title="Programa municipal", fields={"description": "Apoyo a familias que sufren violencia "
                                                                    "doméstica; capacitación policial."})
    assert tagged("es", folder, plain).tags == tagged("es", None, plain).tags  # as without it
    assert tagged("es", None, plain).themes == ["2.4"]


def test_a_saved_pipeline_without_a_lemmatizer_is_not_used(tmp_path):
    import spacy

    from classify import pipelines

    spacy.blank("es").to_disk(tmp_path / "bare")
    choice = pipelines.choose("es", taxonomy_with(tmp_path, f'[pipelines]\nes = "{tmp_path / "bare"}"\n'))
    assert not choice.ok and choice.reason.endswith("has no lemmatizer")


@pytest.mark.parametrize("text, message", [
    ("[pipelines]\nes = \n", "pipelines.toml: Invalid value (at line 2, column 6)"),
    ("[pipelines]\nsp = \"es_core_news_md\"\n", "pipelines.toml: 'sp' is not one of the taxonomy's languages"),
    ("[pipelines]\nes = 3\n", "pipelines.toml: es = 3 is not the name or folder of a pipeline"),
    ("es = \"es_core_news_md\"\n", "pipelines.toml: expected only a [pipelines] table"),
])
def test_a_malformed_pipelines_file_is_a_clear_error(tmp_path, text, message):
    from classify import pipelines
    from classify.taxonomy import TaxonomyError

    with pytest.raises(TaxonomyError) as caught:
        pipelines.configured(taxonomy_with(tmp_path, text))
    assert str(caught.value).startswith(message)
