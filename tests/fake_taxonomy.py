"""The slice of classify.taxonomy.Taxonomy that the index package uses, for index tests."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FakeTerm:
    area: str
    lang: str
    text: str
    weight: float = 1.0
    weak: bool = False


@dataclass(frozen=True)
class FakeArea:
    names: dict[str, str]


@dataclass(frozen=True)
class FakeTaxonomy:
    terms: tuple[FakeTerm, ...]
    areas: dict[str, FakeArea] = field(default_factory=dict)
