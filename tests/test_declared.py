"""Tests for classify.declared: the reply's own "Corresponding MISPA pillar" field."""

from __future__ import annotations

import pytest

from classify.declared import parse_declared_areas, parse_declared_pillars
from classify.taxonomy import load_taxonomy

PILLAR_CASES: list[tuple[str, tuple[int, ...]]] = [
    # numbers after a keyword, Spanish
    ("Pilar 2", (2,)),
    ("Pilares 3 y 4", (3, 4)),
    ("Pilares 2, 4 y 5", (2, 4, 5)),
    ("Pilar III – Gestión policial", (3,)),
    ("PILAR IV - PARTICIPACIÓN CIUDADANA", (4,)),
    ("Pilar Nº 2", (2,)),
    ("Pilar No. 4", (4,)),
    ("Pilar: 1", (1,)),
    ("Pilar 1 y Pilar 3", (1, 3)),
    ("Pilares 1 al 3", (1, 2, 3)),
    ("Pilar MISPA 5", (5,)),
    ("segundo pilar", (2,)),
    ("2º pilar", (2,)),
    ("Todos los pilares", (1, 2, 3, 4, 5)),
    # English
    ("Pillar II", (2,)),
    ("Pillars 1 and 3", (1, 3)),
    ("Pillar 1, 2 & 5", (1, 2, 5)),
    ("Pillars one and two", (1, 2)),
    ("third pillar", (3,)),
    ("Pillar 3: Police Management; Pillar 4: Citizen and Community Participation", (3, 4)),
    ("All pillars", (1, 2, 3, 4, 5)),
    # Portuguese
    ("Pilares II e IV", (2, 4)),
    ("Pilar 5 – Cooperação Internacional", (5,)),
    # French
    ("Pilier 3", (3,)),
    ("Piliers 2 et 5", (2, 5)),
    # bare numbers at the start of the field
    ("2 - Prevención del delito, la violencia y la inseguridad", (2,)),
    ("1 y 3", (1, 3)),
    ("II e IV", (2, 4)),
    ("4 – Participación Ciudadana y Comunitaria\n5 – Cooperación Internacional", (4, 5)),
    # area codes
    ("2.4", (2,)),
    ("Área temática 3.2 Capacitación", (3,)),
    # names alone, any language, loosely phrased
    ("gestión policial", (3,)),
    ("Gestión de la Seguridad Pública", (1,)),
    ("Prevención de la violencia y el delito", (2,)),
    ("Participação cidadã e comunitária", (4,)),
    ("coopération internationale", (5,)),
    ("COOPERACION INTERNACIONAL", (5,)),
    ("Citizen and community participation", (4,)),
    ("Public Security Management", (1,)),
    ("Prévention de la criminalité, de la violence et de l'insécurité", (2,)),
    ("Gestão policial", (3,)),
    ("Prevención; participación ciudadana", (2, 4)),
    ("Gestion de la police et coopération policière", (3, 5)),
    ("Prevención de la delincuencia organizada transnacional", (5,)),
    ("International co-operation", (5,)),
    # negatives
    ("", ()),
    ("   ", ()),
    ("N/A", ()),
    ("Ver anexo", ()),
    ("2013", ()),
    ("10", ()),
    ("Pillar 7", ()),
    ("Pilar 10", ()),
    ("Pilar 1.5", ()),
    ("Plan 2013-2017", ()),
    ("Eje 2 del plan nacional", ()),
    ("MISPA III", ()),
    ("los 5 pilares del MISPA", ()),
    ("Seguridad ciudadana", ()),
    ("Pillars 1 and 7", (1,)),
]


@pytest.mark.parametrize(("text", "expected"), PILLAR_CASES, ids=[repr(t)[:40] for t, _ in PILLAR_CASES])
def test_parse_declared_pillars(text: str, expected: tuple[int, ...]) -> None:
    assert parse_declared_pillars(text) == expected


def test_numbers_win_over_names_in_a_segment() -> None:
    # The description after the number mentions prevention: the declared pillar is still 3.
    assert parse_declared_pillars("Pilar 3: capacitación policial en prevención de la violencia") == (3,)
    assert parse_declared_pillars("Pilar 3 – Gestión policial\nCooperación internacional") == (3, 5)


def test_explicit_taxonomy_argument() -> None:
    assert parse_declared_pillars("Pilares 2 y 4", load_taxonomy()) == (2, 4)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2.4", ("2.4",)),
        ("3.2 Training", ("3.2",)),
        ("Áreas 5.4, 1.2 y 5.4", ("1.2", "5.4")),
        ("Pilar 2 (2.1 y 2.3)", ("2.1", "2.3")),
        ("1.10", ()),
        ("2.9 and 6.1", ()),
        ("12.4", ()),
        ("Versión 2.4.1", ()),
        ("Pilar 2", ()),
        ("", ()),
    ],
)
def test_parse_declared_areas(text: str, expected: tuple[str, ...]) -> None:
    assert parse_declared_areas(text) == expected
