"""Render lists of records as a table, JSON or CSV (``--format``)."""

from __future__ import annotations

import csv
import io
import json
import shutil
from typing import Any, Callable, Iterable, Sequence, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


class BadInput(click.ClickException):
    """A one-line error about what the user typed (a query, a filter value), exit status 2 like a
    usage error, without click's usage block."""

    exit_code = 2


def format_option(*choices: str, default: str = "table") -> Callable[[F], F]:
    return click.option("--format", "fmt", type=click.Choice(list(choices)), default=default,
                        show_default=True, help="Output format")


def to_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


def to_csv(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _flat(row.get(k)) for k in columns})
    return buf.getvalue()


def _flat(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def table(rows: Sequence[Sequence[Any]], headers: Sequence[str], max_width: int | None = None) -> str:
    """A plain aligned text table, cells cut to fit the terminal."""
    width = max_width or shutil.get_terminal_size((120, 20)).columns
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    budget = max(20, width - 2 * (len(headers) - 1))
    while sum(widths) > budget and max(widths) > 8:
        widths[widths.index(max(widths))] -= 1
    lines = []
    for n, r in enumerate(cells):
        lines.append("  ".join(_cut(c, w).ljust(w) for c, w in zip(r, widths)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _cut(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: max(1, width - 1)] + "…"
