"""The search page's state, read from and written to the URL, so any search can be bookmarked.

    /?q=violencia&pillar=2&country=Chile&kind=program&sort=date&page=2&translate=no

Parameters: ``q``; the facets ``pillar``, ``theme``, ``country``, ``kind``, ``language``, ``year``
(repeatable; values of one facet are alternatives, different facets must all hold); ``sort``
(relevance|country|date); ``page``; ``limit`` (10, 20 or 50); ``translate=no`` to search only the
words as typed. Unknown or malformed values are dropped rather than refused, so an edited or old
link still opens a page.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict

# URL parameter -> the index's facet name (search() filters and SearchResult.facets keys)
FACETS = {"pillar": "pillar", "theme": "theme", "country": "member_state", "kind": "kind",
          "language": "language", "year": "year"}
SORTS = ("relevance", "date", "country")
LIMITS = (10, 20, 50)
KINDS = ("plan", "program", "lesson", "practice")


def _valid(param: str, value: str) -> bool:
    if param == "pillar":
        return value.isdigit() and 1 <= int(value) <= 9
    if param == "theme":
        head, _, tail = value.partition(".")
        return head.isdigit() and tail.isdigit()
    if param == "year":
        return value.isdigit() and len(value) == 4
    if param == "kind":
        return value in KINDS
    return 0 < len(value) <= 100


@dataclass(frozen=True, slots=True)
class SearchState:
    q: str = ""
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    limit: int = 10
    translate: bool = True
    base: str = "/"  # the search page's own path

    @classmethod
    def from_args(cls, args: MultiDict[str, str], default_limit: int = 10, base: str = "/") -> SearchState:
        filters = {}
        for param in FACETS:
            values = tuple(dict.fromkeys(v.strip() for v in args.getlist(param) if _valid(param, v.strip())))
            if values:
                filters[param] = values
        page = args.get("page", "1")
        limit = args.get("limit", "")
        return cls(q=args.get("q", "").strip()[:500], filters=filters,
                   sort=sort if (sort := args.get("sort", "")) in SORTS else "relevance",
                   page=min(int(page), 10_000) if page.isdigit() and int(page) > 0 else 1,
                   limit=int(limit) if limit.isdigit() and int(limit) in LIMITS else default_limit,
                   translate=args.get("translate") != "no", base=base)

    def index_filters(self) -> dict[str, list[Any]]:
        """The filters as ``index.search`` takes them."""
        return {FACETS[p]: [int(v) if p in ("pillar", "year") else v for v in values]
                for p, values in self.filters.items()}

    def params(self) -> list[tuple[str, str]]:
        """The URL parameters, defaults left out."""
        out: list[tuple[str, str]] = [("q", self.q)] if self.q else []
        for param in FACETS:
            out += [(param, v) for v in self.filters.get(param, ())]
        if self.sort != "relevance":
            out.append(("sort", self.sort))
        if not self.translate:
            out.append(("translate", "no"))
        if self.limit not in (LIMITS[0],):
            out.append(("limit", str(self.limit)))
        if self.page > 1:
            out.append(("page", str(self.page)))
        return out

    def url(self, **changes: Any) -> str:
        state = replace(self, **changes) if changes else self
        query = urlencode(state.params())
        return f"{state.base}?{query}" if query else state.base

    def toggle(self, param: str, value: str) -> str:
        """The URL with ``value`` of facet ``param`` added, or removed when already selected."""
        current = self.filters.get(param, ())
        values = tuple(v for v in current if v != value) if value in current else (*current, value)
        filters = {**self.filters, param: values}
        return self.url(filters={k: v for k, v in filters.items() if v}, page=1)

    def selected(self, param: str, value: str) -> bool:
        return value in self.filters.get(param, ())

    def hidden_filters(self) -> list[tuple[str, str]]:
        """The facet parameters, for the query form's hidden fields (a new query keeps them)."""
        return [(p, v) for p in FACETS for v in self.filters.get(p, ())]


def page_numbers(page: int, pages: int, around: int = 2) -> list[int | None]:
    """Page links to show: first, last and ``around`` each side of the current; None is a gap."""
    wanted = sorted({1, pages, *range(max(1, page - around), min(pages, page + around) + 1)})
    out: list[int | None] = []
    for n in wanted:
        if out and n - (out[-1] or 0) > 1:
            out.append(None)
        out.append(n)
    return out if pages > 1 else []
