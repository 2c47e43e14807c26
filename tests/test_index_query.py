"""Query syntax, hostile queries, did-you-mean and cross-language expansion."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fake_taxonomy import FakeTaxonomy, FakeTerm
from whoosh.qparser import OrGroup

import index
from index.translate import Dictionary, SideBySide, default_dictionary, load_glossary, use_taxonomy, word_keys


class SideBySideGroup(OrGroup):
    """Words typed side by side, as mispa's query parser groups them (an explicit OR is a plain Or)."""

    qclass = SideBySide


TAXONOMY = FakeTaxonomy((
    FakeTerm("2.4", "en", "domestic violence"),
    FakeTerm("2.4", "en", "family violence", 0.8),
    FakeTerm("2.4", "es", "violencia intrafamiliar"),
    FakeTerm("2.4", "es", "violencia doméstica"),
    FakeTerm("2.4", "pt", "violência doméstica"),
    FakeTerm("2.4", "fr", "violence conjugale"),
    FakeTerm("2.4", "es", "maltrato", 0.3, weak=True),
    FakeTerm("1.4", "en", "penitentiary system"),
    FakeTerm("1.4", "es", "sistema penitenciario"),
    FakeTerm("1.4", "pt", "sistema penitenciário"),
))


def section(id: str, language: str, title: str, text: str, **extra: Any) -> dict[str, Any]:
    record = {"id": id, "kind": "program", "title": title, "member_state": "Chile",
              "language": language, "year": 2012, "date": None, "pillars": [2],
              "themes": ["2.4"], "institution": "", "text": text}
    record.update(extra)
    return record


RECORDS = [
    section("es-vif", "es", "Atención integral", "Las víctimas de violencia intrafamiliar "
            "reciben apoyo en los centros de atención."),
    section("en-dv", "en", "Domestic violence courts", "Specialised courts hear cases of "
            "domestic violence quickly."),
    section("en-prison", "en", "Prison reform", "Overcrowding in prisons fell after reforms."),
    section("es-carcel", "es", "Reforma carcelaria", "El hacinamiento en las cárceles "
            "disminuyó con la reforma."),
    section("es-maltrato", "es", "Maltrato", "Casos de maltrato en la escuela."),
    section("pt-penit", "pt", "Sistema prisional", "O sistema penitenciário foi modernizado."),
]


@pytest.fixture(autouse=True)
def fake_taxonomy() -> Any:
    use_taxonomy(TAXONOMY)
    yield
    use_taxonomy(None)


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("index") / "index"
    index.build_index(RECORDS, path)
    return path


def ids(result: index.SearchResult) -> set[str]:
    return {hit.id for hit in result.hits}


@pytest.mark.parametrize("query,message", [
    ("(violencia", "missing ')'"),
    ("violencia)", "has no '('"),
    ('"violencia doméstica', "Unterminated phrase"),
    ("year:[2010 TO", "Unterminated range"),
    ("AND violencia", "'AND' needs a term before it"),
    ("violencia OR", "'OR' needs a term after it"),
    ("violencia AND OR prison", "'AND' needs a term after it"),
    ("NOT", "'NOT' needs a term after it"),
    ("colour:red", "Unknown field 'colour'"),
    ("title:", "needs a value"),
])
def test_bad_query_one_line_error(index_dir: Path, query: str, message: str) -> None:
    with pytest.raises(index.QuerySyntaxError) as caught:
        index.search(index_dir, query)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
    assert isinstance(caught.value, index.SearchIndexError)


@pytest.mark.parametrize("query", [
    "*cion", "?olicia", "a*", "title:*reform",
    "(" * 30 + "prison" + ")" * 30,
    "prison " * 400,
    " OR ".join(f"w{i}" for i in range(80)),
])
def test_hostile_queries_refused(index_dir: Path, query: str) -> None:
    with pytest.raises(index.QuerySyntaxError) as caught:
        index.search(index_dir, query)
    assert "\n" not in str(caught.value)


def test_broad_wildcard_refused_with_a_clear_message(index_dir: Path) -> None:
    settings = index.IndexSettings(max_expansions=2)
    with pytest.raises(index.QueryTooBroadError, match="matches more than 2 words"):
        index.search(index_dir, "re*", settings=settings)
    assert ids(index.search(index_dir, "refor*")) == {"en-prison", "es-carcel"}


def test_fuzzy_and_range_are_bounded(index_dir: Path) -> None:
    assert "es-carcel" in ids(index.search(index_dir, "hacinamento~", translate=False))
    assert index.search(index_dir, "year:[2010 TO 2013]").total == len(RECORDS)
    with pytest.raises(index.QueryTooBroadError):
        index.search(index_dir, "title:[a TO z]", settings=index.IndexSettings(max_expansions=3))


def test_stop_words_only_and_empty_queries(index_dir: Path) -> None:
    assert index.search(index_dir, "the of de la").total == 0
    assert index.search(index_dir, "").total == len(RECORDS)
    assert index.search(index_dir, "*").total == len(RECORDS)


def test_did_you_mean(index_dir: Path) -> None:
    assert index.search(index_dir, "violensia", translate=False).total == 0
    result = index.search(index_dir, "violensia intrafamiliar", translate=False)
    assert result.total == 1  # words side by side are alternatives: intrafamiliar still finds it
    assert result.suggestion == "violencia intrafamiliar"
    assert index.search(index_dir, "violencia").suggestion is None


def test_words_side_by_side_rank_sections_matching_all_first(index_dir: Path) -> None:
    result = index.search(index_dir, "overcrowding prisons courts", translate=False)
    assert ids(result) == {"en-prison", "es-carcel", "pt-penit", "en-dv"} or {"en-prison", "en-dv"} <= ids(result)
    ranked = [h.id for h in result.hits]
    assert ranked.index("en-prison") < ranked.index("en-dv")  # two of the three words before one


def test_not_and_fields_still_restrict_words_side_by_side(index_dir: Path) -> None:
    assert {"en-dv", "en-prison"} <= ids(index.search(index_dir, "courts prisons", translate=False))
    assert ids(index.search(index_dir, "courts prisons NOT domestic", translate=False)) == {"en-prison"}
    only_es = index.search(index_dir, "courts prisons violencia language:es", translate=False)
    assert ids(only_es) == {"es-vif"}
    assert ids(index.search(index_dir, "courts AND domestic", translate=False)) == {"en-dv"}


def test_english_query_finds_spanish_section(index_dir: Path) -> None:
    result = index.search(index_dir, "domestic violence")
    assert {"es-vif", "en-dv"} <= ids(result)
    assert "(violencia intrafamiliar)^0.4" in result.expanded_query
    assert [h.id for h in result.hits][0] == "en-dv"  # translations weigh less
    assert "**violencia**" in next(h for h in result.hits if h.id == "es-vif").snippet


def test_no_translate_stays_in_the_query_language(index_dir: Path) -> None:
    result = index.search(index_dir, "domestic violence", translate=False)
    assert ids(result) == {"en-dv"}
    assert result.expanded_query == "(domestic OR violence)"


def test_spanish_query_finds_english_section_through_the_glossary(index_dir: Path) -> None:
    assert {"es-carcel", "en-prison"} <= ids(index.search(index_dir, "cárceles"))
    assert ids(index.search(index_dir, "cárceles", translate=False)) == {"es-carcel"}
    assert "es-carcel" in ids(index.search(index_dir, "prisons"))


def test_quoted_phrase_expands_too(index_dir: Path) -> None:
    result = index.search(index_dir, '"penitentiary system"')
    assert ids(result) == {"pt-penit"}
    assert '"penitentiary system" OR (sistema penitenciario)^0.4' in result.expanded_query


def test_an_explicit_or_is_not_read_as_one_concept(index_dir: Path) -> None:
    together = index.search(index_dir, "domestic violence")
    apart = index.search(index_dir, "domestic OR violence")
    assert "(violencia intrafamiliar)^0.4" in together.expanded_query
    assert "topics:2.4" in together.expanded_query
    assert "violencia intrafamiliar" not in apart.expanded_query  # the concept needs both words
    assert "topics:2.4" not in apart.expanded_query


@pytest.mark.parametrize("typed,runs", [
    ("police training", [["police", "training"]]),
    ("police OR training", [["police"], ["training"]]),
    ("violencia doméstica OR trata de personas", [["violencia", "doméstica"], ["trata", "personas"]]),
    ("police training OR prison", [["police", "training"], ["prison"]]),
    ("(police OR training) youth", [["police"], ["training"], ["youth"]]),
    ("police AND training", [["police", "training"]]),
    ("domestic violence OR trafficking country:peru NOT robbery",
     [["domestic", "violence"], ["trafficking"]]),
])
def test_words_beside_an_or_go_with_its_nearest_alternative(typed: str, runs: list[list[str]]) -> None:
    from index.querying import parse
    from index.settings import DEFAULT_SETTINGS
    from index.topics import word_runs

    assert word_runs(parse(typed, DEFAULT_SETTINGS)) == runs


def test_the_phrases_either_side_of_an_or_each_bring_their_translations(index_dir: Path) -> None:
    result = index.search(index_dir, "violencia doméstica OR sistema penitenciario")
    assert {"en-dv", "pt-penit"} <= ids(result)
    assert "(domestic violence)^0.4" in result.expanded_query
    assert "(penitentiary system)^0.4" in result.expanded_query


def test_an_expansion_prefers_the_areas_phrases_that_share_the_querys_roots() -> None:
    from index.translate import Concept, Weights, expand
    from whoosh.qparser import QueryParser

    area = Concept("taxonomy:2.3", {"en": ("violence prevention",),
                                    "es": ("canje de armas", "zonas libres de armas", "prevención de la violencia")})
    q = QueryParser("text", None).parse("violence prevention")
    one = str(expand(q, Dictionary([area]), Weights(per_lang=1, boost=0.4), frozenset({"2.3"})))
    assert '"prevención de la violencia"' in one and "armas" not in one
    # a query that names the area (2.3 among the areas its words name) gets the heaviest next
    two = str(expand(q, Dictionary([area]), Weights(per_lang=2, boost=0.4), frozenset({"2.3"})))
    assert '"prevención de la violencia"' in two and '"canje de armas"' in two and "zonas" not in two
    # ... one on a thing of the area, only that thing's cognates: the area's terms are not synonyms
    alone = str(expand(q, Dictionary([area]), Weights(per_lang=2, boost=0.4)))
    assert '"prevención de la violencia"' in alone and "armas" not in alone


def test_words_of_one_concept_side_by_side_count_whole_or_at_part_weight() -> None:
    from index.translate import Concept, Weights, expand
    from whoosh.qparser import QueryParser

    glossary = Concept("glossary", {"en": ("drug trafficking",), "es": ("narcotráfico",)})
    drug = Concept("glossary", {"en": ("drug",), "es": ("droga",)})
    q = QueryParser("text", None, group=SideBySideGroup).parse("drug trafficking")
    # each word also brings its own translations, at part weight too: 0.5 x 0.4
    assert str(expand(q, Dictionary([glossary, drug]), Weights(per_lang=2, boost=0.4, part=0.5))) == \
        ('((text:"drug trafficking" OR text:drug^0.5 OR text:trafficking^0.5 OR text@es:droga^0.2'
         ' OR text@es:narcotráfico^0.4))')


def test_a_words_own_translations_come_from_the_glossary_not_from_an_areas_terms() -> None:
    """"no violencia" (a term of 4.4) is "violencia" once its stop word is left out; it is not a
    translation of the word "violencia" in "violencia doméstica"."""
    from index.translate import Concept, Weights, expand
    from whoosh.qparser import QueryParser

    concepts = [Concept("taxonomy:2.4", {"es": ("violencia doméstica",), "en": ("domestic violence",)}),
                Concept("taxonomy:4.4", {"es": ("no violencia",), "en": ("non-violence",)}),
                Concept("glossary", {"es": ("violencia",), "en": ("violence",)})]
    q = QueryParser("text", None, group=SideBySideGroup).parse("violencia doméstica")
    expanded = str(expand(q, Dictionary(concepts), Weights(per_lang=2, boost=0.4, part=0.5)))
    assert 'text@en:violence^0.2' in expanded and 'text@en:"domestic violence"' in expanded
    assert "non" not in expanded


def test_a_term_with_a_negation_does_not_name_its_area_by_its_other_word(tmp_path: Path) -> None:
    """Less its stop word, "no violencia" (a term of 4.4, conflict resolution) is "violencia": a
    search for "violencia" must not rank every section of 4.4 first, nor bring "non-violence"."""
    use_taxonomy(FakeTaxonomy((FakeTerm("4.4", "es", "no violencia"), FakeTerm("4.4", "en", "non-violence"),
                               FakeTerm("4.4", "es", "mediación comunitaria"))))
    index.build_index([section("es-med", "es", "Mediación", "Mediación comunitaria.", themes=["4.4"])],
                      tmp_path / "index")
    expanded = index.search(tmp_path / "index", "violencia").expanded_query
    assert "topics" not in expanded and "non" not in expanded
    assert "topics:4.4" in index.search(tmp_path / "index", "mediación comunitaria").expanded_query


def test_a_word_of_a_concept_finds_its_translation_without_the_rest(tmp_path: Path) -> None:
    """A French section on a school campaign says "campagne" but not "campagne de sensibilisation":
    a search for "awareness campaign" finds it through the word, below the section that has the
    whole phrase."""
    use_taxonomy(FakeTaxonomy((FakeTerm("2.2", "en", "awareness campaign"),
                               FakeTerm("2.2", "fr", "campagne de sensibilisation"))))
    whole = section("fr-sensib", "fr", "Campagne de sensibilisation", "Une campagne de sensibilisation "
                    "contre la violence dans les écoles.", themes=["2.2"])
    word = section("fr-campagne", "fr", "Campagne « Lekòl se kay lapè »", "Une campagne radiophonique "
                   "dans les écoles du pays.", themes=["2.5"])
    other = section("fr-autre", "fr", "Patrouilles", "Patrouilles de la police dans les quartiers.", themes=["3.5"])
    index.build_index([whole, word, other], tmp_path / "index")
    hits = [h.id for h in index.search(tmp_path / "index", "awareness campaign").hits]
    assert hits == ["fr-sensib", "fr-campagne"]


def test_one_word_and_its_translations_are_one_group_so_its_own_language_comes_first(tmp_path: Path) -> None:
    """A one-word query's translations are alternatives of one group, not words typed side by side:
    "violencia" brings "violence" for English and for French, and the title field (shared by all
    languages) matches both; counted as words, the English and French sections matched two of
    three and the Spanish one, saying "violencia" as often, one: it came last. The query's own
    word weighs more than its translations, so the Spanish section comes first; the same holds
    beside a filter and for a quoted phrase."""
    from whoosh import query as wq

    from index.querying import side_by_side
    from index.translate import Alternatives

    use_taxonomy(FakeTaxonomy(()))
    records = [section("en-school", "en", "School violence", "Violence in schools: mediation against violence."),
               section("es-escuela", "es", "Violencia escolar", "Violencia en las escuelas: mediación contra la "
                       "violencia."),
               section("fr-ecole", "fr", "Violence scolaire", "La violence à l'école : médiation contre la "
                       "violence.")]
    index.build_index(records, tmp_path / "index")
    for query, first in (("violencia", "es-escuela"), ("violence", "en-school"),
                         ("violencia kind:program", "es-escuela"),
                         ('"violencia escolar"', "es-escuela")):
        result = index.search(tmp_path / "index", query)
        assert result.hits[0].id == first and result.total == 3, (query, [h.id for h in result.hits])
    one = Alternatives([wq.Term("text", "violencia"), wq.Term("text@en", "violence", boost=0.4)])
    assert side_by_side(one) is None and side_by_side(wq.And([one, wq.Term("member_state", "chile")])) is None
    assert side_by_side(wq.Or([one, one])) is not None


def test_the_words_of_an_and_score_only_where_all_of_them_are() -> None:
    """A translated phrase is an And of its words; a section with some of them, found for another
    reason (here its own word "armas"), gets no score from them."""
    from whoosh import query as wq

    from index.ranking import positive_leaves

    q = wq.Or([wq.Term("stem_es", "arma"),
               wq.And([wq.Term("stem_es", "trafic"), wq.Term("stem_es", "drog")], boost=0.4)])
    leaves = {leaf.text: (weight, within) for leaf, weight, within in positive_leaves(q)}
    assert leaves["arma"] == (1.0, ())
    assert leaves["trafic"][0] == leaves["drog"][0] == 0.4 and len(leaves["drog"][1]) == 1


def test_a_drug_trafficking_search_ranks_drug_trafficking_first(tmp_path: Path) -> None:
    """A section on arms trafficking, found for its thematic area (5.2, as the query's), shares
    "tráfico ilícito" with the translation "tráfico ilícito de drogas": those two words alone must
    not lift it above the section on drug trafficking."""
    use_taxonomy(FakeTaxonomy((FakeTerm("5.2", "en", "drug trafficking"),
                               FakeTerm("5.2", "es", "tráfico ilícito de drogas"),
                               FakeTerm("5.2", "es", "tráfico ilícito de armas"))))
    armas = section("es-armas", "es", "Tráfico ilícito de armas", "Control del tráfico ilícito de armas de "
                    "fuego y del tráfico ilícito de municiones en la frontera.", themes=["5.2"],
                    topics={"5.2": 1.0})
    drogas = section("es-drogas", "es", "Interdicción marítima", "Operaciones navales contra el tráfico "
                     "ilícito de drogas en alta mar, con la armada y la guardia costera.", themes=["5.2"],
                     topics={"5.2": 0.4})
    index.build_index([armas, drogas], tmp_path / "index")
    hits = [h.id for h in index.search(tmp_path / "index", "drug trafficking").hits]
    assert hits == ["es-drogas", "es-armas"]


def test_weak_taxonomy_terms_do_not_expand(index_dir: Path) -> None:
    assert ids(index.search(index_dir, "maltrato")) == {"es-maltrato"}


def test_plural_stripping_in_matching() -> None:
    assert "prison" in word_keys("prisons") and "joven" in word_keys("jóvenes")
    d = Dictionary(load_glossary())
    assert d.matches_at(["violencias", "domesticas"], 0)[0].length == 2


def test_mentions_lists_each_concept_a_text_names_once_longest_first_in_text_order() -> None:
    from index.translate import Concept, content_words, mentions

    drug_trafficking = Concept("glossary", {"en": ("drug trafficking",), "es": ("narcotráfico",)})
    drug = Concept("glossary", {"en": ("drug",), "es": ("droga",)})
    gang = Concept("glossary", {"en": ("gang",), "es": ("pandilla",)})
    d = Dictionary([drug_trafficking, drug, gang])
    words = content_words("Gangs and drug trafficking: the gang sells drugs, and drug trafficking grows.")
    found = mentions(words, d)
    assert [(m.words, [x.concept for x in m.matches]) for m in found] == [
        (("Gangs",), [gang]), (("drug", "trafficking"), [drug_trafficking]), (("drugs",), [drug])]
    assert mentions(content_words("nothing of the kind"), d) == []


def test_glossary_has_four_languages_and_enough_rows() -> None:
    rows = load_glossary()
    assert len(rows) >= 150
    assert all(set(row.terms) == {"en", "es", "pt", "fr"} for row in rows)


@pytest.mark.parametrize("text, message", [
    ("en\tes\tpt\n", "glossary.tsv:1: the first line must name the four languages"),
    ("en\tes\tpt\tfr\nviolence\tviolencia\n", "glossary.tsv:2: 2 columns, expected 4 (en, es, pt, fr) separated"),
    ("en\tes\tpt\tfr\n\nbail\t\t\t\n", "glossary.tsv:3: names its thing in 1 language(s)"),
])
def test_a_malformed_glossary_row_is_named_by_its_line(text: str, message: str) -> None:
    from index.translate import GlossaryError

    with pytest.raises(GlossaryError) as caught:
        load_glossary(text)
    assert str(caught.value).startswith(message) and caught.value.folder == "index/data/"
    assert [c.terms for c in load_glossary("fr\ten\tes\tpt\nvol\ttheft|larceny\trobo\t\n")] == [
        {"fr": ("vol",), "en": ("theft", "larceny"), "es": ("robo",)}]  # the header says the columns' order


def test_dictionary_is_loaded_once() -> None:
    assert default_dictionary() is default_dictionary()


@pytest.mark.parametrize(("typed", "wanted"), [
    ("cibercrimen", ("text@en:cybercrime", "text@fr:cybercriminalité")),
    ("delitos cibernéticos", ("text@en:cybercrime", "text@pt:cibercrime")),
    ("blanchiment", ("text@es:\"lavado de activos\"", "text@en:\"money laundering\"")),
    ("sextortion", ("text@es:sextorsión", "text@pt:sextorsão")),
])
def test_the_glossary_knows_the_other_names_of_a_thing(typed: str, wanted: tuple[str, ...]) -> None:
    """Words staff type that once found nothing in the other languages (cibercrimen: no result at
    all, and a did-you-mean)."""
    from index.translate import expand
    from whoosh.qparser import QueryParser

    typed_query = QueryParser("text", None, group=SideBySideGroup).parse(typed)
    expanded = str(expand(typed_query, default_dictionary()))
    for term in wanted:
        assert term in expanded, expanded


def test_a_word_spelled_alike_in_several_languages_still_brings_their_other_names() -> None:
    """"cannabis" is the English, Spanish and French name of the glossary row: it told nothing of the
    query's language, and all three were left out, so "marihuana" and "marijuana" never came in
    ("cannabis" found 11 sections of the corpus, "marihuana" 41). An area's terms spelled alike
    are still not each other's synonyms."""
    from index.translate import Concept, Weights, expand
    from whoosh.qparser import QueryParser

    row = Concept("glossary", {"en": ("cannabis", "marijuana"), "es": ("cannabis", "marihuana"),
                               "fr": ("cannabis",), "pt": ("maconha",)})
    area = Concept("taxonomy:1.4", {"en": ("prison", "prison overcrowding"), "fr": ("prison", "prisons surpeuplées")})
    q = QueryParser("text", None, group=SideBySideGroup).parse("cannabis")
    expanded = str(expand(q, Dictionary([row]), Weights(per_lang=2, boost=0.4)))
    for term in ("text@en:marijuana", "text@es:marihuana", "text@pt:maconha"):
        assert term in expanded, expanded
    assert "text@fr" not in expanded and "@en:cannabis" not in expanded  # not the typed word again
    prison = str(expand(QueryParser("text", None, group=SideBySideGroup).parse("prison"), Dictionary([area]),
                        Weights(per_lang=2, boost=0.4)))
    assert "overcrowding" not in prison and "surpeupl" not in prison


def test_words_analyzed_once_are_remembered_by_the_opened_index_with_the_same_results(
        index_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from index import lowering
    from index.opening import open_index

    first = index.search(index_dir, "jóvenes violencia prisons")
    memo = open_index(index_dir).analyzed
    assert ("stem_es", "jovenes") in memo or ("stem_es", "jóvenes") in memo
    assert memo[("stem_en", "prisons")] == ("prison",)
    analyzed = []
    real = lowering.Lowering.tokens

    def counting(self: lowering.Lowering, field: str, text: str) -> tuple[str, ...]:
        analyzed.append((field, text) not in self.analyzed)
        return real(self, field, text)

    monkeypatch.setattr(lowering.Lowering, "tokens", counting)
    again = index.search(index_dir, "jóvenes violencia prisons")
    assert analyzed and not any(analyzed)  # every word came from the memo
    assert [(h.id, h.score) for h in again.hits] == [(h.id, h.score) for h in first.hits]
    monkeypatch.setattr(lowering, "_ANALYZED_MAX", 0)  # a full memo starts again, results unchanged
    third = index.search(index_dir, "jóvenes violencia prisons")
    assert [h.id for h in third.hits] == [h.id for h in first.hits]
