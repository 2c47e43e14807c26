"""Compose the pipeline's steps: the tagger from classify, the index updater from index."""

from __future__ import annotations

from typing import Any, Callable


def make_tagger() -> Callable[[Any], tuple[list[Any], str]]:
    from classify.tagging import tag_section
    return tag_section


def index_updater(obj: Any) -> Callable[[list[str]], None] | None:
    return None
