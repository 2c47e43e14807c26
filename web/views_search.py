"""The search page, the section page and the download of a section's original file."""

from __future__ import annotations

import io
import mimetypes
from typing import Any

from flask import Blueprint, abort, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue

import index
from classify.tagging import narrative_body

from .auth import current_user
from .i18n import gettext
from .originals import is_member, original_file, outer_file
from .query import FACETS, LIMITS, SORTS, SearchState, page_numbers
from .state import catalog, state, with_index
from .text import evidence_spans, marked_html, snippet_html

bp = Blueprint("search", __name__)
IDENTITY_FIELDS = ("institution", "contact_person", "job_title", "phone", "email", "declared_pillar")
FACET_OPEN = 8  # values shown before "more"


@bp.route("/")
def search() -> ResponseReturnValue:
    st = SearchState.from_args(request.args, state().config.page_size, url_for("search.search"))
    try:
        result = with_index(index.search, state().settings.index_dir, st.q, st.index_filters(), page=st.page,
                            limit=st.limit, sort=st.sort, translate=st.translate)
    except index.QuerySyntaxError as exc:
        return _search_page(st, None, gettext("search.bad_query", reason=str(exc))), 400
    except index.SearchIndexError as exc:
        return _search_page(st, None, gettext("search.unavailable", reason=str(exc))), 503
    return _search_page(st, result, None)


def _search_page(st: SearchState, result: index.SearchResult | None, error: str | None) -> str:
    return render_template("search.html", st=st, result=result, error=error, sorts=SORTS, limits=LIMITS,
                           facets=_facets(st, result) if result else [], snippet_html=snippet_html,
                           pages=page_numbers(st.page, result.pages) if result else [])


def _facets(st: SearchState, result: index.SearchResult) -> list[dict[str, Any]]:
    """Each facet's values with counts, selected values first (even when no longer counted)."""
    out = []
    for param, name in FACETS.items():
        counts = dict(result.facets.get(name, {}))
        for value in st.filters.get(param, ()):
            counts.setdefault(value, 0)
        if param in ("year", "pillar", "theme"):
            ordered = sorted(counts, key=lambda v: (not st.selected(param, v), _number_key(param, v)))
        else:
            ordered = sorted(counts, key=lambda v: (not st.selected(param, v), -counts[v], v))
        values = [{"value": v, "count": counts[v], "selected": st.selected(param, v),
                   "url": st.toggle(param, v)} for v in ordered]
        if values:
            out.append({"param": param, "values": values[:FACET_OPEN], "more": values[FACET_OPEN:]})
    return out


def _number_key(param: str, value: str) -> tuple[float, ...]:
    parts = tuple(float(p) if p.isdigit() else 0.0 for p in value.split("."))
    return tuple(-p for p in parts) if param == "year" else parts


@bp.route("/section/<sid>")
def section(sid: str) -> ResponseReturnValue:
    cat = catalog()
    row = cat.get_section(sid)
    if row is None:
        abort(404, description=gettext("section.not_found", id=sid))
    tags = cat.tags_for(sid)
    spans = evidence_spans(tags)
    body = narrative_body(row["title"], row["fields"], row["text"])
    fields = [(name, marked_html(value, spans.get(name, ()))) for name, value in row["fields"].items()
              if value and name not in ("member_state", "name")]
    if body:
        fields.append(("body", marked_html(body, spans.get("body", ()))))
    return render_template(
        "section.html", row=row, tags=tags, automatic=cat.automatic_tags(sid),
        title_html=marked_html(row["title"], spans.get("title", ())), fields=fields,
        identity=[(k, row[k]) for k in IDENTITY_FIELDS if row.get(k)], provenance=_provenance(row),
        similar=(similar := _similar(sid)), similar_abroad=_other_states(sid, row["member_state"], similar),
        history=_history(sid), effective=_effective(tags),
        flags=[f for f in (row.get("flags") or "").split(",") if f], can_review=_can_review())


def _can_review() -> bool:
    user = current_user()
    return user is not None and user.role in ("reviewer", "admin")


def _effective(tags: list[Any]) -> dict[str, list[str]]:
    return {"pillars": [t.code for t in tags if t.kind == "pillar"],
            "themes": [t.code for t in tags if t.kind == "theme"]}


def _provenance(row: dict[str, Any]) -> dict[str, Any]:
    """The document a section came from, and the e-mail or archive that brought it, when known."""
    db = catalog().db
    doc = dict(db.execute("SELECT * FROM documents WHERE id = ?", (row["document_id"],)).fetchone())
    chain: list[dict[str, Any]] = []
    source_id = doc.get("source_id")
    while source_id is not None and len(chain) < 5:
        src = db.execute("SELECT * FROM sources WHERE id = ?", (source_id,)).fetchone()
        if src is None:
            break
        chain.append(dict(src))
        source_id = src["parent_id"]
    pages = row.get("page_start")
    if pages is not None and row.get("page_end") not in (None, pages):
        pages = f"{pages}–{row['page_end']}"
    return {"document": doc, "sources": chain, "pages": pages, "member": is_member(doc.get("path") or ""),
            "available": outer_file(doc.get("path") or "") is not None}


def _similar(sid: str, other_states: bool = False) -> list[index.Hit]:
    try:
        return with_index(index.similar, state().settings.index_dir, sid, 5, other_states=other_states)
    except index.SearchIndexError:
        return []


def _other_states(sid: str, member_state: str | None, similar: list[index.Hit]) -> list[index.Hit]:
    """The similar sections of other Member States than this one's, when ``similar`` (any state's)
    has some of its own state's: what the other states do like it. (Otherwise they are ``similar``
    itself, and the index is not asked again.)"""
    if not member_state or all(h.member_state != member_state for h in similar):
        return []
    return _similar(sid, other_states=True)


def _history(sid: str) -> list[dict[str, Any]]:
    from classify.review import ReviewError, history

    try:
        return history(catalog(), sid)
    except ReviewError:
        return []


@bp.route("/section/<sid>/original")
def original(sid: str) -> ResponseReturnValue:
    """The file the section was read from, as received (an attachment download); with
    ``?container=1``, the e-mail or archive it came in."""
    row = catalog().get_section(sid)
    if row is None:
        abort(404, description=gettext("section.not_found", id=sid))
    locator = row["source_path"] or ""
    if request.args.get("container") and is_member(locator):
        outer = outer_file(locator)
        if outer is None:
            abort(404, description=gettext("section.original_missing", name=row["file_name"]))
        return send_file(outer, as_attachment=True, download_name=outer.name)
    with original_file(locator, row["sha256"]) as path:
        if path is None:
            abort(404, description=gettext("section.original_missing", name=row["file_name"]))
        data = path.read_bytes()
    return send_file(io.BytesIO(data), as_attachment=True, download_name=row["file_name"] or path.name,
                     mimetype=mimetypes.guess_type(row["file_name"] or "")[0] or "application/octet-stream")
