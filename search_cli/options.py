"""Option values shared by several commands, checked and normalised before a command runs."""

from __future__ import annotations

from typing import Any

import click


def member_state_names(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """A --country callback: each value as the catalog names the Member State (ISO code, or a name
    in any of the four languages: "CRI", "Brasil"); one that names none is a usage error with the
    names it may have meant. Takes and gives one value or a tuple (``multiple=True``)."""
    if not value:
        return value
    from ingest.states import resolve_state, suggest_states

    def one(text: str) -> str:
        name = resolve_state(text)
        if name is None:
            close = suggest_states(text)
            hint = f" (did you mean {' or '.join(close)}?)" if close else ""
            raise click.BadParameter(f"{text!r} names no OAS Member State{hint}", ctx, param)
        return name

    return tuple(one(v) for v in value) if isinstance(value, tuple) else one(value)
