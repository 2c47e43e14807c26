"""Review in the browser: the queue with bulk accept, and accept-or-correct on the section page.

Decisions go through ``classify.review.decide`` (origin "web", the signed-in user as reviewer),
so they land in the same ``reviews`` table and append-only log as ``mispa review``; the search
index is refreshed for the sections touched.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from .auth import current_user, signed_in
from .i18n import gettext, safe_next
from .labels import pillar_themes
from .state import catalog, refresh_sections, state

bp = Blueprint("review", __name__)
REVIEWERS = ("reviewer", "admin")
MAX_NOTE = 1000


@bp.route("/review")
@signed_in(*REVIEWERS)
def queue() -> ResponseReturnValue:
    from classify.review import REASON_LABELS, queue, stats
    from classify.review_sheet import evidence_summary

    country = request.args.get("country") or None
    kind = request.args.get("kind") or None
    pillar = request.args.get("pillar") if (request.args.get("pillar") or "").isdigit() else None
    items = queue(catalog(), country=country, kind=kind, pillar=pillar)
    size = state().config.queue_page_size
    pages = max(1, -(-len(items) // size))
    page = min(pages, int(request.args["page"])) if request.args.get("page", "").isdigit() else 1
    page = max(page, 1)
    rows = [{"state": s, "reason": s.reasons[0], "evidence": evidence_summary(s)}
            for s in items[(page - 1) * size: page * size]]
    counts = stats(catalog())
    totals = {k: sum(c[k] for c in counts) for k in ("sections", "reviewed", "changed", "pending")}
    countries = sorted({c["member_state"] for c in counts})
    return render_template("review_queue.html", rows=rows, total=len(items), page=page, pages=pages,
                           totals=totals, countries=countries, reason_labels=REASON_LABELS,
                           filters={"country": country or "", "kind": kind or "", "pillar": pillar or ""})


@bp.route("/review/accept", methods=["POST"])
@signed_in(*REVIEWERS)
def bulk_accept() -> ResponseReturnValue:
    ids = [i for i in request.form.getlist("id") if i]
    back = safe_next(request.form.get("next"), url_for("review.queue"))
    if not ids:
        flash(gettext("review.none_selected"), "error")
        return redirect(back)
    if _decide(ids, "accept", None):
        flash(gettext("review.accepted", n=len(ids)), "info")
    return redirect(back)


@bp.route("/section/<sid>/review", methods=["POST"])
@signed_in(*REVIEWERS)
def decide_section(sid: str) -> ResponseReturnValue:
    """One step from the section page: accept the tags as they are, or save the checked ones."""
    from classify.review import InvalidCode, make_decision

    if catalog().get_section(sid) is None:
        abort(404, description=gettext("section.not_found", id=sid))
    action = request.form.get("action")
    if action not in ("accept", "set"):
        abort(400, description=gettext("review.bad_action"))
    codes = None
    if action == "set":
        try:
            codes = make_decision(*_checked_codes())
        except InvalidCode as exc:
            flash(gettext("review.invalid", reason=str(exc)), "error")
            return redirect(url_for("search.section", sid=sid))
    if _decide([sid], action, codes):
        tags = catalog().tags_for(sid)
        flash(gettext("review.saved", pillars=_codes(tags, "pillar"), themes=_codes(tags, "theme")), "info")
    return redirect(url_for("search.section", sid=sid))


def _checked_codes() -> tuple[list[str], list[str]]:
    """Checked pillars and themes, validated against the taxonomy; a theme brings its pillar."""
    known = dict(pillar_themes())
    themes = sorted({t for t in request.form.getlist("theme") if any(t in v for v in known.values())})
    pillars = {p for p in request.form.getlist("pillar") if p in known}
    pillars |= {t.split(".")[0] for t in themes}
    return sorted(pillars), themes


def _codes(tags: list[Any], kind: str) -> str:
    return ", ".join(t.code for t in tags if t.kind == kind) or "–"


def _decide(ids: list[str], action: str, codes: Any) -> bool:
    """Record one decision for ``ids``; flashes the reason and returns False when it was refused."""
    from classify.review import ReviewError, decide

    user = current_user()
    assert user is not None  # guarded by @signed_in
    note = request.form.get("note", "").strip()[:MAX_NOTE]
    try:
        touched = decide(catalog(), ids, action, codes, note=note, reviewer=user.name, origin="web")
    except ReviewError as exc:
        flash(gettext("review.refused", reason=str(exc)), "error")
        return False
    problem = refresh_sections(touched)
    if problem:
        flash(gettext("review.index_lag", reason=problem), "warning")
    return True
