"""Topics: a query naming a thematic area, in any language and word order, ranks the sections the
classifier found about that area (their `topics` scores) above sections that only share words."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fake_taxonomy import FakeArea, FakeTaxonomy, FakeTerm

import index
from index.topics import TopicFinder, phrases_of
from index.translate import use_taxonomy


TAXONOMY = FakeTaxonomy(
    terms=(FakeTerm("3.4", "es", "procedimientos estandarizados"),
           FakeTerm("3.4", "en", "standard operating procedures"),
           FakeTerm("5.1", "en", "information exchange"), FakeTerm("1.4", "en", "prison"),
           FakeTerm("3.2", "en", "police training"), FakeTerm("3.2", "en", "police", weak=True),
           FakeTerm("2.3", "en", "violence prevention"),
           FakeTerm("2.4", "en", "prevention of domestic violence")),
    areas={"3.4": FakeArea({"en": "Modernization and standardization of processes and procedures",
                            "es": "Modernización y estandarización de procesos y procedimientos"}),
           "5.1": FakeArea({"en": "Strengthening the exchange of operational information",
                            "fr": "Renforcement de l'échange d'informations opérationnelles"}),
           "1.4": FakeArea({"en": "Penitentiary system reform"}),
           "3.2": FakeArea({"en": "Police training and education"})},
)


@pytest.fixture(autouse=True)
def fake_taxonomy() -> Any:
    use_taxonomy(TAXONOMY)
    yield
    use_taxonomy(None)


def test_an_area_is_found_whatever_the_word_order_form_and_language():
    finder = TopicFinder(phrases_of(TAXONOMY))
    assert finder.topics("standard police procedures".split()) == ["3.4"]  # standard ~ standardization
    assert finder.topics("procedimientos policiales estandarizados".split()) == ["3.4"]
    assert finder.topics("exchange of information between countries".split()) == ["5.1"]
    assert finder.topics("prison reform".split()) == ["1.4"]  # half the words: enough
    assert finder.topics("prison conditions in cold rural districts".split()) == []  # one word in six
    assert finder.topics("police".split()) == []  # a weak term names no area
    # both words are in 2.4's "prevention of domestic violence", but 2.3 is named in full
    assert finder.topics("violence prevention".split()) == ["2.3"]
    assert finder.topics("domestic violence prevention".split()) == ["2.4"]


def section(id: str, language: str, title: str, text: str, topics: dict[str, float]) -> dict[str, Any]:
    return {"id": id, "kind": "program", "title": title, "member_state": "Chile", "language": language,
            "year": 2014, "pillars": [3], "themes": [], "text": text, "topics": topics}


@pytest.fixture()
def index_dir(tmp_path: Path) -> Path:
    path = tmp_path / "index"
    index.build_index([
        section("fr-registre", "fr", "Registre de garde à vue", "Un modèle unique de registre pour tous "
                "les commissariats.", {"3.4": 0.8}),
        section("en-proc", "en", "Procedures for the press office", "Police answer the press within a day.", {}),
        section("en-weak", "en", "Night patrols", "Patrol procedures were revised.", {"3.4": 0.2}),
        section("en-none", "en", "Night patrols", "Patrol procedures were revised.", {}),
    ], path)
    return path


def test_sections_about_the_area_rank_by_their_topic_score(index_dir: Path):
    result = index.search(index_dir, "standard police procedures")
    assert "topics:3.4" in result.expanded_query
    ranked = [h.id for h in result.hits]
    assert ranked[:2] == ["en-proc", "fr-registre"]  # 2 of the 3 words; no word in common, about the area
    assert ranked.index("en-weak") < ranked.index("en-none")  # the same words, a little about the area
    plain = [h.id for h in index.search(index_dir, "standard police procedures", translate=False).hits]
    assert "fr-registre" not in plain


def test_topics_stay_under_filters_and_not(index_dir: Path):
    result = index.search(index_dir, "standard police procedures language:en NOT press")
    assert [h.id for h in result.hits] == ["en-weak", "en-none"]


def test_tagged_themes_weigh_fully_and_reviewers_decide():
    """The index's topic weights: a tagged theme counts as the section's subject (1), an area the
    text only names counts its text score, and a reviewer's decision leaves only its themes."""
    from ingest.model import Tag
    from search_cli.records import topics

    row = {"topics": '{"2.1": 0.22, "2.5": 0.9, "4.3": 0.31}'}
    tagged = [Tag("pillar", "2", 0.9, "text"), Tag("theme", "2.5", 0.9, "text"), Tag("theme", "2.1", 0.22, "text")]
    assert topics(row, tagged) == {"2.1": 1.0, "2.5": 1.0, "4.3": 0.31}
    assert topics({**row, "kind": "plan"}, tagged) == {"2.1": 0.22, "2.5": 0.9, "4.3": 0.31}  # words only
    reviewed = [Tag("pillar", "2", 1.0, "reviewer"), Tag("theme", "2.3", 1.0, "reviewer")]
    assert topics(row, reviewed) == {"2.3": 1.0}
    assert topics({"topics": None}, []) == {}


def test_a_plan_ranks_below_a_program_on_the_same_words(tmp_path: Path):
    """A national plan spans most areas: at equal relevance the program comes first; plan_weight=1
    ranks them on their words alone (the plan, whose title also names the topic, first)."""
    from index.settings import IndexSettings

    path = tmp_path / "index"
    text = "Prison reform: new prison rules and prison work programmes."
    index.build_index([
        {**section("plan", "en", "National plan: prison reform", text, {"1.4": 0.9}), "kind": "plan"},
        section("program", "en", "Prison work", text, {"1.4": 0.9}),
    ], path)
    assert [h.id for h in index.search(path, "prison reform").hits] == ["program", "plan"]
    level = IndexSettings(plan_weight=1.0)
    assert [h.id for h in index.search(path, "prison reform", settings=level).hits] == ["plan", "program"]
    with pytest.raises(ValueError, match="plan_weight"):
        IndexSettings(plan_weight=0)


def test_among_the_same_words_a_section_in_the_areas_pillar_comes_first(tmp_path: Path):
    from index.settings import IndexSettings

    path = tmp_path / "index"
    text = "Patrol procedures were revised."
    index.build_index([{**section("other-pillar", "en", "Night patrols", text, {}), "pillars": [2]},
                       section("police-pillar", "en", "Night patrols", text, {})], path)
    result = index.search(path, "standard police procedures")
    assert "pillars:3" in result.expanded_query
    assert [h.id for h in result.hits] == ["police-pillar", "other-pillar"]
    assert result.hits[0].score > result.hits[1].score
    off = index.search(path, "standard police procedures", settings=IndexSettings(pillar_boost=0))
    assert off.hits[0].score == off.hits[1].score
    with pytest.raises(ValueError, match="pillar_boost"):
        IndexSettings(topic_boost=0.5, pillar_boost=0.6)


def test_the_areas_pillar_ranks_but_finds_nothing_more(tmp_path: Path):
    path = tmp_path / "index"
    index.build_index([section("words", "en", "Night patrols", "Patrol procedures were revised.", {}),
                       section("pillar-only", "en", "Budget", "The budget for vehicles.", {})], path)
    result = index.search(path, "standard police procedures")
    assert [h.id for h in result.hits] == ["words"] and result.total == 1
    assert result.facets["pillar"] == {"3": 1}


def test_a_search_for_one_thing_of_an_area_finds_the_sections_tagged_with_it_not_all_that_name_it(
        tmp_path: Path):
    """"prison" is a term of 1.4, not the area's name: it finds the sections saying it and those
    tagged 1.4, not every section whose text names the area a little (which made "cybercrime"
    count 213 of the corpus's 680 sections); a query naming the area finds those too."""
    path = tmp_path / "index"
    index.build_index([
        section("words", "en", "Prison work", "Inmates learn a trade in prison.", {}),
        {**section("tagged", "en", "Sentence planning", "Each inmate has a plan.", {"1.4": 1.0}),
         "themes": ["1.4"]},
        section("mentions", "en", "Court delays", "Delays keep inmates waiting.", {"1.4": 0.2}),
    ], path)
    thing = index.search(path, "prison")
    assert [h.id for h in thing.hits] == ["words", "tagged"] and thing.total == 2
    assert thing.facets["theme"] == {"1.4": 1}
    area = index.search(path, "penitentiary system reform")
    assert {h.id for h in area.hits} == {"tagged", "mentions"}
