"""Upload replies (files, .eml, .mbox, .zip) for background ingestion, and follow each job."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from .auth import current_user, signed_in
from .i18n import gettext
from .state import state
from .uploads import UploadQueue

bp = Blueprint("upload", __name__)
ACCEPT = ".pdf,.docx,.doc,.rtf,.odt,.eml,.msg,.mbox,.zip"


def _queue() -> UploadQueue:
    uploads = state().uploads
    assert uploads is not None
    return uploads


def _visible_jobs() -> list[dict[str, object]]:
    user = current_user()
    assert user is not None
    return _queue().jobs(None if user.is_admin else user.name)


@bp.route("/upload", methods=["GET", "POST"])
@signed_in("reviewer", "admin")
def upload() -> ResponseReturnValue:
    if request.method == "GET":
        return _page()
    files = [f for f in request.files.getlist("files") if f and f.filename]
    if not files:
        return _page(gettext("upload.no_files")), 400
    country = request.form.get("country", "").strip()[:100] or None
    year_text = request.form.get("year", "").strip()
    if year_text and not (year_text.isdigit() and 1990 <= int(year_text) <= 2100):
        return _page(gettext("upload.bad_year")), 400
    user = current_user()
    assert user is not None
    streams: list[tuple[str | None, Any]] = [(f.filename, f.stream) for f in files]
    job = _queue().create(user.name, streams, country,
                          int(year_text) if year_text else None)
    flash(gettext("upload.queued", n=len(files)), "info")
    return redirect(url_for("upload.job", job_id=job))


def _page(error: str | None = None) -> str:
    return render_template("upload.html", error=error, jobs=_visible_jobs()[:20], accept=ACCEPT,
                           max_mb=state().config.max_upload_mb,
                           max_bytes=state().config.max_upload_bytes)


@bp.route("/upload/<job_id>")
@signed_in("reviewer", "admin")
def job(job_id: str) -> ResponseReturnValue:
    found = _queue().get(job_id)
    user = current_user()
    if found is None or user is None or not (user.is_admin or found["user"] == user.name):
        abort(404, description=gettext("upload.no_job"))
    counts: dict[str, int] = {}
    for outcome in found["outcomes"]:
        counts[outcome["status"]] = counts.get(outcome["status"], 0) + 1
    return render_template("upload_job.html", job=found, counts=counts,
                           running=found["state"] in ("queued", "running"))


def too_large(_error: Exception) -> ResponseReturnValue:
    """413: the upload exceeds ``max_upload_mb``; said plainly on the upload page."""
    message = gettext("upload.too_large", mb=state().config.max_upload_mb)
    if current_user() is None or request.endpoint != "upload.upload":
        return render_template("error.html", code=413, message=message), 413
    return _page(message), 413
