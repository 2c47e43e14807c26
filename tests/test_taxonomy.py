"""Tests for classify.taxonomy: the shipped data files and the loader's error messages."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from classify.taxonomy import TAXONOMY_DIR, Taxonomy, TaxonomyError, load_taxonomy

ROOT = Path(__file__).resolve().parents[1]
LANGUAGES = ("en", "es", "pt", "fr")
HEADER = "area\tweight\tterm\tflags\n"


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy()


@pytest.fixture
def tax_dir(tmp_path: Path) -> Path:
    """A copy of the real pillars.toml with one small, valid Spanish terms file."""
    shutil.copy(TAXONOMY_DIR / "pillars.toml", tmp_path / "pillars.toml")
    (tmp_path / "terms.es.tsv").write_text(
        "# comment\n\n"
        + HEADER
        + "2.4\t1.0\tviolencia intrafamiliar\n3\t0.2\tpolicía\tweak\n5.4\t1\tAMERIPOL\tcase\n",
        encoding="utf-8",
    )
    return tmp_path


def _write_terms(directory: Path, body: str, lang: str = "es") -> None:
    (directory / f"terms.{lang}.tsv").write_text(HEADER + body, encoding="utf-8")


def _load_error(directory: Path) -> str:
    with pytest.raises(TaxonomyError) as info:
        load_taxonomy(directory)
    return str(info.value)


# --------------------------------------------------------------------------- shipped data


def test_pillars_and_areas(taxonomy: Taxonomy) -> None:
    assert list(taxonomy.pillars) == [1, 2, 3, 4, 5]
    per_pillar = Counter(area.pillar for area in taxonomy.areas.values())
    assert [per_pillar[p] for p in range(1, 6)] == [4, 5, 5, 4, 4]
    assert taxonomy.area_codes()[:5] == ("1.1", "1.2", "1.3", "1.4", "2.1")
    assert taxonomy.area_codes()[-1] == "5.4"
    assert all(code.startswith(f"{area.pillar}.") for code, area in taxonomy.areas.items())


def test_names_and_aliases_in_every_language(taxonomy: Taxonomy) -> None:
    for pillar in taxonomy.pillars.values():
        assert set(pillar.names) == set(LANGUAGES)
        assert all(pillar.aliases[lang] for lang in LANGUAGES), pillar.id
    for area in taxonomy.areas.values():
        assert set(area.names) == set(LANGUAGES)
    assert taxonomy.pillars[3].names["es"] == "Gestión de la policía"
    assert taxonomy.areas["2.4"].names["en"] == "Addressing and preventing domestic violence"
    assert "gestión policial" in taxonomy.pillars[3].aliases["es"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_area_has_terms_in_every_language(taxonomy: Taxonomy, lang: str) -> None:
    counts = Counter(term.area for term in taxonomy.terms_for(lang))
    strong = Counter(t.area for t in taxonomy.terms_for(lang) if not t.weak and t.weight >= 0.8)
    for code in taxonomy.area_codes():
        assert 10 <= counts[code] <= 70, (lang, code, counts[code])
        assert strong[code] >= 5, (lang, code, strong[code])
    for pillar in taxonomy.pillars:
        assert counts[str(pillar)] >= 5, (lang, pillar)


def test_term_records(taxonomy: Taxonomy) -> None:
    by_text = {(t.lang, t.area, t.text): t for t in taxonomy.terms}
    dv = by_text[("es", "2.4", "violencia intrafamiliar")]
    assert (dv.pillar, dv.weight, dv.weak, dv.case_sensitive) == (2, 1.0, False, False)
    assert dv.file == "terms.es.tsv"
    assert dv.line > 1 and not dv.is_pillar_term
    police = by_text[("en", "3", "police")]
    assert police.weak and police.pillar == 3 and police.is_pillar_term
    assert by_text[("es", "5.4", "AMERIPOL")].case_sensitive
    assert all(0 < t.weight <= 1 for t in taxonomy.terms)
    assert all(any(c.isupper() for c in t.text) for t in taxonomy.terms if t.case_sensitive)


def test_helpers(taxonomy: Taxonomy) -> None:
    assert taxonomy.terms_for("de") == ()
    assert {t.lang for t in taxonomy.terms_for("pt")} == {"pt"}
    assert taxonomy.is_valid_pillar(3) and taxonomy.is_valid_pillar("5")
    assert not any(taxonomy.is_valid_pillar(x) for x in (0, 6, "7", "x", None, True, 2.0))
    assert taxonomy.is_valid_area("2.4") and taxonomy.is_valid_area("5.4")
    assert not any(taxonomy.is_valid_area(x) for x in ("2.9", "1.5", "24", "", "3"))


def test_cached_per_directory(tax_dir: Path) -> None:
    assert load_taxonomy() is load_taxonomy(TAXONOMY_DIR)
    small = load_taxonomy(tax_dir)
    assert small is not load_taxonomy() and small is load_taxonomy(tax_dir)
    assert [t.text for t in small.terms] == ["violencia intrafamiliar", "policía", "AMERIPOL"]
    assert [t.line for t in small.terms] == [4, 5, 6]


def test_loading_does_not_import_spacy() -> None:
    code = (
        "import sys\n"
        "from classify.taxonomy import load_taxonomy\n"
        "from classify.declared import parse_declared_pillars\n"
        "load_taxonomy(); parse_declared_pillars('Pilar 2 y gestión policial')\n"
        "print(sorted(m for m in sys.modules if m == 'spacy' or m.startswith('spacy.')))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


# --------------------------------------------------------------------------- error messages


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("2.4\t1.0\tviolencia\n2.9\t0.5\tpandillas\n", "terms.es.tsv:3: unknown area '2.9'"),
        ("6\t0.5\tterm\n", "terms.es.tsv:2: unknown area '6'"),
        ("2.4\t1.5\tviolencia\n", "terms.es.tsv:2: bad weight '1.5': must be in (0, 1]"),
        ("2.4\t0\tviolencia\n", "terms.es.tsv:2: bad weight '0': must be in (0, 1]"),
        ("2.4\tnan\tviolencia\n", "terms.es.tsv:2: bad weight 'nan': must be in (0, 1]"),
        ("2.4\talta\tviolencia\n", "terms.es.tsv:2: bad weight 'alta': not a number"),
        ("2.4 1.0 violencia doméstica\n", "terms.es.tsv:2: expected 3 or 4 tab-separated columns"),
        ("2.4\t1.0\tviolencia\tweak\textra\n", "terms.es.tsv:2: expected 3 or 4 tab-separated columns"),
        ("2.4\t1.0\tviolencia\tstrong\n", "terms.es.tsv:2: unknown flag 'strong'"),
        ("2.4\t1.0\t \n", "terms.es.tsv:2: empty term"),
        ("2.4\t1.0\tViolencia Doméstica\n\n2.4\t0.5\tviolencia domestica\n",
         "terms.es.tsv:4: duplicated term 'violencia domestica' for area '2.4' (first on line 2)"),
    ],
)
def test_term_file_errors(tax_dir: Path, body: str, message: str) -> None:
    _write_terms(tax_dir, body)
    assert _load_error(tax_dir).startswith(message)


def test_same_term_in_two_areas_is_allowed(tax_dir: Path) -> None:
    _write_terms(tax_dir, "1.2\t0.6\ttráfico ilícito de migrantes\n5.2\t1.0\ttráfico ilícito de migrantes\n")
    assert [t.area for t in load_taxonomy(tax_dir).terms] == ["1.2", "5.2"]


def test_case_sensitive_duplicates_compare_exactly(tax_dir: Path) -> None:
    _write_terms(tax_dir, "5.4\t1.0\tSICA\tcase\n5.4\t0.3\tsica\n")
    assert len(load_taxonomy(tax_dir).terms) == 2


def test_missing_header(tax_dir: Path) -> None:
    (tax_dir / "terms.es.tsv").write_text("# no header\n2.4\t1.0\tviolencia\n", encoding="utf-8")
    assert _load_error(tax_dir).startswith("terms.es.tsv:2: expected the header line")


def test_undeclared_language(tax_dir: Path) -> None:
    _write_terms(tax_dir, "2.4\t1.0\thäusliche Gewalt\n", lang="de")
    assert _load_error(tax_dir) == "terms.de.tsv: language 'de' is not declared in pillars.toml"


def test_missing_pillars_file(tmp_path: Path) -> None:
    assert _load_error(tmp_path).startswith("pillars.toml: file not found")


def _edit_pillars(directory: Path, old: str, new: str) -> None:
    path = directory / "pillars.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_containing(directory: Path, needle: str) -> int:
    lines = (directory / "pillars.toml").read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if needle in line)


def test_toml_syntax_error_names_the_line(tax_dir: Path) -> None:
    _edit_pillars(tax_dir, 'code = "2.4"', 'code "2.4"')
    line = _line_containing(tax_dir, 'code "2.4"')
    reason = "Expected '=' after a key in a key/value pair"
    assert _load_error(tax_dir) == f"pillars.toml:{line}: TOML syntax error: {reason}"


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        ('code = "2.4"\npillar = 2', 'code = "2.4"\npillar = 7', 'code = "2.4"',
         "area '2.4': unknown pillar 7"),
        ('code = "2.4"\npillar = 2', 'code = "2.4"\npillar = 3', 'code = "2.4"',
         "area '2.4' must start with its pillar id 3"),
        ('code = "2.4"', 'code = "24"', 'code = "24"', "area code must look like \"2.4\", got '24'"),
        ('code = "2.5"', 'code = "2.4"', 'code = "2.4"', "duplicated area '2.4'"),
        ('names.fr = "Prise en charge et prévention de la violence familiale"\n', "", 'code = "2.4"',
         "area '2.4': missing name in 'fr'"),
        ("id = 4", "id = 0", "id = 0", "pillar id must be an integer 1..9, got 0"),
        ("id = 5", "id = 4", "id = 4", "duplicated pillar 4"),
    ],
)
def test_pillars_file_errors(tax_dir: Path, old: str, new: str, needle: str, message: str) -> None:
    _edit_pillars(tax_dir, old, new)
    nth = 2 if message.startswith("duplicated") else 1
    text = (tax_dir / "pillars.toml").read_text(encoding="utf-8")
    lines = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert _load_error(tax_dir) == f"pillars.toml:{lines[nth - 1]}: {message}"
