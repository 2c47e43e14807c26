"""The data files staff edit in ingest/data/ (questionnaire labels, headings, language markers, Member
States): read one, or say which file is wrong and where.

A mistake in one of them is not bad input: no file can be read right until it is corrected, so the
commands stop before they start (search_cli's command group turns ``DataFileError`` into one line and
exit status 2) instead of failing every file of a batch.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).parent / "data"


class DataFileError(Exception):
    """A data file cannot be read; the message names the file (and the line, when the parser says)."""

    folder = "ingest/data/"  # where staff find it, for the message that asks them to correct it


def read_toml(path: Path, *tables: str) -> dict[str, Any]:
    """The TOML file at ``path``, which must hold each of ``tables`` at its top level."""
    import tomllib  # here, not at the top: search imports this module for DataFileError alone

    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError as exc:
        raise DataFileError(f"{path.name}: file not found in {path.parent}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DataFileError(f"{path.name}: {exc}") from exc
    missing = [t for t in tables if t not in data]
    if missing:
        raise DataFileError(f"{path.name}: no {', '.join(repr(t) for t in missing)} at its top level")
    return data


def check() -> None:
    """Read every data file of ingest/data/ (each once per process), and compile the patterns of
    headings.toml: raises DataFileError."""
    from .labels import _comment_columns, _heading_rules, _label_table, _patterns
    from .language import _tables
    from .states import member_states

    _label_table()
    try:
        _heading_rules()
        _patterns("annex")
        _patterns("boilerplate")
        _comment_columns()
    except re.error as exc:
        raise DataFileError(f"headings.toml: the pattern {exc.pattern!r} is not a regular expression: "
                            f"{exc}") from exc
    except (KeyError, TypeError, ValueError) as exc:
        raise DataFileError(f"headings.toml: {type(exc).__name__}: {exc}") from exc
    _tables()
    member_states()
