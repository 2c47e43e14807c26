"""Search behaviour on a small index: analysis, ranking, filters, facets, paging, sort."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import index
from index.translate import use_taxonomy


def section(id: str, language: str, title: str, text: str, **extra: Any) -> dict[str, Any]:
    """A section record as the catalog hands it to the index."""
    record = {"id": id, "kind": "program", "title": title, "member_state": "Costa Rica",
              "language": language, "year": 2013, "date": "2013-09-10", "pillars": [2],
              "themes": ["2.1"], "institution": "Ministerio", "text": text, "fields": {},
              "source_file": f"replies/{id}.pdf", "pages": "1", "ocr": False}
    record.update(extra)
    return record


RECORDS = [
    section("es-prev", "es", "Barrio Seguro", "Programa de prevención de la violencia con "
            "jóvenes en riesgo. La policía comunitaria visita las escuelas.",
            member_state="Costa Rica", pillars=[2, 4], themes=["2.1", "4.1"], year=2013,
            date="2013-09-10"),
    section("es-vif", "es", "Atención a víctimas", "Las víctimas de violencia intrafamiliar "
            "reciben apoyo psicológico y legal en los centros de atención.",
            member_state="Panama", pillars=[2], themes=["2.4"], year=2011, date="2011-03-01",
            kind="practice"),
    section("en-police", "en", "Community Policing", "Police officers were trained in "
            "community policing and problem solving with neighbours.",
            member_state="Jamaica", pillars=[3], themes=["3.2"], year=2012, date=None,
            kind="lesson"),
    section("en-prison", "en", "Prison Reform", "Overcrowding in prisons was reduced through "
            "alternative sentences and rehabilitation of inmates.",
            member_state="Barbados", pillars=[1], themes=["1.4"], year=2010, date="2010-06-30"),
    section("pt-prisao", "pt", "Reforma prisional", "A superlotação das prisões foi reduzida "
            "com penas alternativas e reabilitação dos presos.",
            member_state="Brazil", pillars=[1], themes=["1.4"], year=2014, date="2014-01-15"),
    section("fr-jeunes", "fr", "Prévention de la délinquance", "Les jeunes des quartiers "
            "participent à des ateliers sportifs et culturels.",
            member_state="Haiti", pillars=[2], themes=["2.5"], year=2009, date="2009-11-20",
            kind="practice"),
    section("es-mediacion-title", "es", "Mediación escolar", "Programa de convivencia en "
            "los centros educativos con docentes y familias de la comunidad.",
            member_state="Uruguay", pillars=[4], themes=["4.4"], year=2012, date="2012-05-05"),
    section("es-mediacion-body", "es", "Convivencia en centros educativos", "Programa de "
            "convivencia con mediación en los centros educativos, docentes y familias.",
            member_state="Chile", pillars=[4], themes=["4.4"], year=2012, date="2012-05-06"),
    section("es-ocr", "es", "Estadisticas policiales", "Sistema de informacion sobre "
            "prevencion del delito y estadisticas de la policia nacional.",
            member_state="Peru", pillars=[3], themes=["3.3"], year=2008, date="2008-02-02",
            ocr=True),
    section("xx-undated", "es", "Plan sin fecha", "Un plan nacional sin fecha ni año.",
            member_state="Mexico", kind="plan", pillars=[5], themes=["5.1"], year=None,
            date=None),
]


@pytest.fixture(autouse=True)
def no_taxonomy() -> Any:
    """Expand with the glossary only, so tests never depend on the taxonomy files."""
    use_taxonomy(type("Empty", (), {"terms": ()})())
    yield
    use_taxonomy(None)


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("index") / "index"
    index.build_index(RECORDS, path)
    return path


def ids(result: index.SearchResult) -> list[str]:
    return [hit.id for hit in result.hits]


@pytest.mark.parametrize("query,expected", [
    ("prevencion", "es-prev"),  # unaccented query, accented text
    ("policia", "es-prev"),
    ("prevención", "es-ocr"),  # accented query, unaccented (OCR) text
    ("POLICÍA", "es-ocr"),
])
def test_accent_folding(index_dir: Path, query: str, expected: str) -> None:
    assert expected in ids(index.search(index_dir, query, translate=False, limit=50))


@pytest.mark.parametrize("query,expected", [
    ("joven", "es-prev"),  # es: jóvenes
    ("escuela", "es-prev"),  # es: escuelas
    ("policed", "en-police"),  # en: policing / police
    ("prison", "en-prison"),  # en: prisons
    ("prisão", "pt-prisao"),  # pt: prisões
    ("jeune", "fr-jeunes"),  # fr: jeunes
    ("quartier", "fr-jeunes"),
])
def test_stemming_per_language(index_dir: Path, query: str, expected: str) -> None:
    assert expected in ids(index.search(index_dir, query, translate=False, limit=50))


def test_stemming_uses_the_section_language(index_dir: Path) -> None:
    # Spanish stemming would reduce "reciben" to "recib"; an English query "recib" must not
    # match through a Spanish stemmer applied to an English text, and vice versa.
    assert ids(index.search(index_dir, "neighbour", translate=False)) == ["en-police"]
    assert index.search(index_dir, "neighbours", translate=False).total == 1


def test_title_boosted_over_body(index_dir: Path) -> None:
    result = index.search(index_dir, "mediación", translate=False)
    assert ids(result)[:2] == ["es-mediacion-title", "es-mediacion-body"]
    assert result.hits[0].score > result.hits[1].score


def test_hit_carries_stored_fields_and_snippet(index_dir: Path) -> None:
    hit = index.search(index_dir, "intrafamiliar", translate=False).hits[0]
    assert (hit.id, hit.title, hit.member_state, hit.kind) == (
        "es-vif", "Atención a víctimas", "Panama", "practice")
    assert (hit.language, hit.pillars, hit.themes, hit.year, hit.ocr) == (
        "es", (2,), ("2.4",), 2011, False)
    assert "**intrafamiliar**" in hit.snippet
    assert index.search(index_dir, "estadisticas").hits[0].ocr is True


@pytest.mark.parametrize("filters,expected", [
    ({"pillar": [1]}, {"en-prison", "pt-prisao"}),
    ({"pillar": [1, 3]}, {"en-prison", "pt-prisao", "en-police", "es-ocr"}),
    ({"theme": "2.4"}, {"es-vif"}),
    ({"member_state": "costa rica"}, {"es-prev"}),
    ({"kind": "lesson"}, {"en-police"}),
    ({"language": ["pt", "fr"]}, {"pt-prisao", "fr-jeunes"}),
    ({"year": 2012}, {"en-police", "es-mediacion-title", "es-mediacion-body"}),
    ({"year": [2012], "pillar": [3]}, {"en-police"}),
])
def test_filters(index_dir: Path, filters: dict[str, Any], expected: set[str]) -> None:
    result = index.search(index_dir, "", filters, limit=50)
    assert set(ids(result)) == expected
    assert result.total == len(expected)


def test_unknown_filter_is_an_error(index_dir: Path) -> None:
    with pytest.raises(index.InvalidFilterError, match="Unknown filter 'colour'"):
        index.search(index_dir, "violencia", {"colour": "red"})


def _brute_force(hits: list[index.Hit]) -> dict[str, dict[str, int]]:
    counts: dict[str, Counter[str]] = {k: Counter() for k in
                                       ("pillar", "theme", "member_state", "kind", "language", "year")}
    for h in hits:
        counts["pillar"].update(str(p) for p in h.pillars)
        counts["theme"].update(h.themes)
        counts["member_state"][h.member_state] += 1
        counts["kind"][h.kind] += 1
        counts["language"][h.language] += 1
        if h.year:
            counts["year"][str(h.year)] += 1
    return {k: dict(v) for k, v in counts.items()}


@pytest.mark.parametrize("query,filters", [
    ("", None), ("violence", None), ("prison OR programa", None),
    ("programa", {"pillar": [4]}), ("NOT police", {"language": "es"}),
])
def test_facet_counts_equal_brute_force(index_dir: Path, query: str, filters: Any) -> None:
    page = index.search(index_dir, query, filters, limit=3)
    everything = index.search(index_dir, query, filters, limit=1000)
    assert len(everything.hits) == everything.total == page.total
    assert page.facets == _brute_force(everything.hits) | {
        k: v for k, v in page.facets.items() if not v}


def test_pagination(index_dir: Path) -> None:
    pages = [index.search(index_dir, "", page=p, limit=4, sort="date") for p in (1, 2, 3, 4)]
    seen = [i for p in pages for i in ids(p)]
    assert len(seen) == len(set(seen)) == len(RECORDS) == pages[0].total
    assert pages[0].pages == 3 and pages[3].hits == []


def test_relevance_pagination_is_stable(index_dir: Path) -> None:
    one = index.search(index_dir, "programa OR prison", limit=100)
    paged = [h.id for p in (1, 2, 3) for h in index.search(index_dir, "programa OR prison",
                                                             page=p, limit=2).hits]
    assert paged == ids(one)[:6]


def test_sort_by_date_newest_first_undated_last(index_dir: Path) -> None:
    hits = index.search(index_dir, "", sort="date", limit=50).hits
    assert hits[-1].id == "xx-undated"  # neither date nor year
    # a section with a year but no date sorts as the start of its year
    keys = [h.date or f"{h.year}-00-00" for h in hits[:-1]]
    assert keys == sorted(keys, reverse=True)
    assert "2012-00-00" in keys and all(h.score is None for h in hits)


def test_sort_by_country(index_dir: Path) -> None:
    states = [h.member_state for h in index.search(index_dir, "", sort="country", limit=50).hits]
    assert states == sorted(states, key=str.casefold)


def test_unknown_sort_is_an_error(index_dir: Path) -> None:
    with pytest.raises(index.SearchIndexError, match="Unknown sort"):
        index.search(index_dir, "x", sort="colour")


def test_field_queries_and_phrases(index_dir: Path) -> None:
    assert ids(index.search(index_dir, "title:reform", translate=False)) == ["en-prison"]
    assert ids(index.search(index_dir, "country:brazil")) == ["pt-prisao"]
    assert set(ids(index.search(index_dir, "pillar:1 AND prisons"))) == {"en-prison", "pt-prisao"}
    phrase = index.search(index_dir, '"violencia intrafamiliar"', translate=False)
    assert ids(phrase) == ["es-vif"]
    assert index.search(index_dir, '"intrafamiliar violencia"', translate=False).total == 0
    assert "**violencia**" in phrase.hits[0].snippet


def test_similar(index_dir: Path) -> None:
    similar = index.similar(index_dir, "es-mediacion-title", limit=3)
    assert similar and similar[0].id == "es-mediacion-body"
    assert "es-mediacion-title" not in [h.id for h in similar]
    with pytest.raises(index.SectionNotFoundError):
        index.similar(index_dir, "nope")


def test_similar_finds_sections_of_other_languages_about_the_same_areas(tmp_path: Path) -> None:
    """Words find the section's own language; its thematic areas (the `topics` field, weighted by
    score) find the others, a section tagged with the area before one scoring lower for it, and
    none that names it only in passing (below 0.5)."""
    by_id = {r["id"]: r for r in RECORDS}
    topics = {"en-prison": {"1.4": 1.0}, "pt-prisao": {"1.4": 1.0}, "es-vif": {"2.4": 1.0, "1.4": 0.6},
              "en-police": {"3.2": 1.0, "1.4": 0.3}, "fr-jeunes": {"2.5": 1.0}}
    index.build_index([{**by_id[i], "topics": t} for i, t in topics.items()], tmp_path / "index")
    similar = [h.id for h in index.similar(tmp_path / "index", "en-prison")]
    assert similar == ["pt-prisao", "es-vif"]
    index.build_index([by_id[i] for i in topics], tmp_path / "words")  # no areas: words alone
    assert "pt-prisao" not in [h.id for h in index.similar(tmp_path / "words", "en-prison")]


def test_similar_ranks_the_sections_of_other_languages_naming_its_words_translated(tmp_path: Path) -> None:
    """Of two Spanish sections as strongly about the section's area, the one on gangs ("pandillas",
    the glossary's translation of "gang") is more like an English section on gangs than the one
    on sport, which comes first without translations (same area score, indexed before it); also
    once the taxonomy changed (its concepts are cached by id with the dictionary they belong to)."""
    from index.opening import open_index
    from index.vocabulary import vocabulary

    gangs = section("en-gangs", "en", "Leaving the gang", "Former gang members mentor boys at risk of "
                    "joining a gang in the capital.", topics={"2.5": 1.0})
    sport = section("es-deporte", "es", "Deporte en los barrios", "Ligas deportivas nocturnas para "
                    "adolescentes de los barrios.", topics={"2.5": 1.0})
    pandillas = section("es-pandillas", "es", "Salir de la pandilla", "Antiguos miembros de pandillas "
                        "acompañan a adolescentes de los barrios.", topics={"2.5": 1.0})
    index.build_index([gangs, sport, pandillas], tmp_path / "index")
    assert [h.id for h in index.similar(tmp_path / "index", "en-gangs")] == ["es-pandillas", "es-deporte"]
    assert [h.id for h in index.similar(tmp_path / "index", "es-deporte")][0] == "es-pandillas"  # its words
    use_taxonomy(type("Empty", (), {"terms": ()})())  # another dictionary (as when the taxonomy changes)
    assert [h.id for h in index.similar(tmp_path / "index", "en-gangs")] == ["es-pandillas", "es-deporte"]
    assert open_index(tmp_path / "index").translations_dictionary is vocabulary().dictionary


def test_large_result_sets_use_the_candidate_pool(index_dir: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from index import ranking

    exact = index.search(index_dir, "programa OR convivencia OR prison", limit=3)
    monkeypatch.setattr(ranking, "POOL", 2)
    pooled = index.search(index_dir, "programa OR convivencia OR prison", limit=3)
    assert pooled.total == exact.total and len(pooled.hits) == 3
    assert pooled.hits[0].id == exact.hits[0].id
    negative = index.search(index_dir, "NOT prison", limit=5)
    assert negative.total == len(RECORDS) - 2 and len(negative.hits) == 5  # prison, prisão


def test_snippets_and_excerpts_start_past_the_title_state_and_pillar_lines() -> None:
    from index.schema import to_document
    from index.settings import DEFAULT_SETTINGS
    from index.snippets import make_snippet

    text = ("Jóvenes Constructores de Paz\n\nEstados Unidos Mexicanos\n\nPilar 2 - Prevención\n\n"
            "Adolescentes y jóvenes de 14 a 24 años que dejaron la escuela.\n\nTutoría durante doce meses.")
    doc = to_document(section("mx", "es", "Jóvenes Constructores de Paz", text))
    assert doc["excerpt"].startswith("Adolescentes y jóvenes") and doc["body"] == text  # the index keeps it all
    snippet = make_snippet(doc, {"stem_es": frozenset({"joven"})}, DEFAULT_SETTINGS)
    assert snippet.startswith("Adolescentes y **jóvenes**") and "Constructores" not in snippet
    # a match in those lines only: the excerpt, not the title again
    assert make_snippet(doc, {"body": frozenset({"constructores"})}, DEFAULT_SETTINGS) == doc["excerpt"]
    # a text that is all short lines, or whose first line is a sentence, starts where it starts
    for whole in ("Plan sin fecha\n\nMexico", "Un plan nacional.\n\nSin fecha ni año."):
        assert to_document(section("p", "es", "Plan", whole))["excerpt"].startswith(whole.split("\n")[0])


def test_a_snippets_fragments_never_repeat_text() -> None:
    """A second fragment starts where the first ended at the earliest (it used to go back a third
    of its width and print that text twice); one that goes straight on is joined without '…'."""
    from index.schema import to_document
    from index.settings import DEFAULT_SETTINGS
    from index.snippets import make_snippet

    more = " ".join(f"otra{i}" for i in range(60))
    joined = 0
    for n in range(8, 40):  # the second match from inside the first fragment to well past it
        filler = " ".join(f"palabra{i}" for i in range(n))
        text = f"Programa\n\nLa violencia en el hogar. {filler} violencia doméstica. {more}"
        snippet = make_snippet(to_document(section("hn", "es", "Programa", text)),
                               {"stem_es": frozenset({"violenci"})}, DEFAULT_SETTINGS)
        words = snippet.replace("**", "").replace(" … ", " ").split()
        assert words.count("violencia") == 2 and len(words) == len(set(words)) + 1, (n, snippet)
        assert snippet.count("**violencia**") == 2, (n, snippet)
        joined += "…" not in snippet
    assert joined > 0


@pytest.mark.parametrize("text", [
    "Prevención de la VIOLENCIA juvenil en São Paulo, Québec y Montréal",
    "“Plan Seguro” – Fase II… Ñandú, œuvre, Æther, straße, İstanbul",
    "plain ascii text only", "", "Ελληνικά και русский текст, 中文",
])
def test_snippet_folding_is_lowercase_without_accents_at_the_same_offsets(text: str) -> None:
    from whoosh.support.charset import accent_map

    from index.snippets import _fold_text

    assert _fold_text(text) == text.lower().translate(accent_map)
