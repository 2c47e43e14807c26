"""The figures of ``mispa report`` with the pillar chart, and downloads of the compendium and the
figures. Filters come from the URL (since, until, country, kind), as on the command line."""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, render_template, request, send_file
from flask.typing import ResponseReturnValue

from .i18n import gettext
from .state import catalog

bp = Blueprint("report", __name__)
KINDS = ("plan", "program", "lesson", "practice")


def _build() -> Any:
    """The report for the request's filters; 400 with the library's reason for a bad one."""
    from report import Filters, ReportError, build_report, parse_date

    args = request.args
    try:
        filters = Filters(since=parse_date(args["since"]) if args.get("since") else None,
                          until=parse_date(args["until"], end=True) if args.get("until") else None,
                          countries=tuple(c for c in args.getlist("country") if c),
                          kinds=tuple(k for k in args.getlist("kind") if k))
        return build_report(catalog(), filters)
    except ReportError as exc:
        abort(400, description=gettext("report.bad_filter", reason=str(exc)))


@bp.route("/report")
def report() -> ResponseReturnValue:
    from report.render import empty_message, filter_note, paragraphs, review_sentence

    built = _build()
    message = empty_message(built)
    query = request.query_string.decode("ascii", "replace")
    return render_template(
        "report.html", report=built, message=message, query=query, kinds=KINDS,
        paragraphs=[] if message else [p for p in [filter_note(built), *paragraphs(built)] if p],
        review=None if message else review_sentence(built),
        pillar_max=max(built.pillars.values(), default=0), args=request.args,
        countries=_all_countries())


def _all_countries() -> list[str]:
    rows = catalog().db.execute("SELECT DISTINCT member_state FROM documents WHERE status = 'ok' "
                                "AND member_state IS NOT NULL ORDER BY member_state")
    return [r[0] for r in rows]


@bp.route("/report/chart.png")
def chart() -> ResponseReturnValue:
    from report.compendium import chart_png

    return Response(chart_png(_build()), mimetype="image/png", headers={"Cache-Control": "no-store"})


@bp.route("/report/figures.<fmt>")
def figures(fmt: str) -> ResponseReturnValue:
    from report import render

    types = {"csv": "text/csv", "json": "application/json", "md": "text/markdown"}
    if fmt not in types:
        abort(404)
    text = render(_build(), {"md": "markdown"}.get(fmt, fmt))
    return Response(text, mimetype=types[fmt], headers={
        "Content-Disposition": f'attachment; filename="mispa-report-{dt.date.today()}.{fmt}"'})


@bp.route("/report/compendium.docx")
def compendium() -> ResponseReturnValue:
    """The Word compendium for the same filters, written to a temporary file and sent."""
    from report.compendium import CompendiumError, write_compendium

    built = _build()
    with tempfile.TemporaryDirectory(prefix="mispa-compendium-") as tmp:
        try:
            path = write_compendium(built, Path(tmp) / "compendium.docx")
        except CompendiumError as exc:
            abort(500, description=str(exc))
        data = path.read_bytes()
    name = f"mispa-compendium-{dt.date.today()}.docx"
    return send_file(io.BytesIO(data), as_attachment=True, download_name=name,
                     mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document")

