"""mispa's web interface: search, section pages, review, upload and the report, in a browser.

A Flask app with server-rendered Jinja pages and a little plain JavaScript (no build step),
served by waitress through ``mispa serve``. It is a thin layer over the same libraries as the
command line: ``index`` for search, ``ingest.catalog`` for sections, ``classify.review`` for
decisions, ``ingest.pipeline`` for uploads and ``report`` for the figures and the compendium.

    from web import WebConfig, create_app
    app = create_app(Settings.resolve("mispa-data"), WebConfig(require_login=False))
"""

from __future__ import annotations

from flask import Flask, render_template
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from ingest.catalog import Catalog
from ingest.datafiles import DataFileError
from ingest.settings import Settings

from . import auth, i18n, labels
from .config import WebConfig, load_secret
from .state import WebState, close_catalog
from .uploads import UploadQueue

__all__ = ["WebConfig", "create_app"]

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                               "script-src 'self'; form-action 'self'; frame-ancestors 'none'; "
                               "base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def create_app(settings: Settings, config: WebConfig | None = None, *, resume_uploads: bool = True) -> Flask:
    """The WSGI app over the data directory of ``settings``."""
    config = config or WebConfig()
    with Catalog(settings.catalog_path):  # create or migrate once, before any request races to
        pass
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=config.secret_key or load_secret(settings.data_dir),
        MAX_CONTENT_LENGTH=config.max_upload_bytes,
        MAX_FORM_MEMORY_SIZE=1024 * 1024,
        SESSION_COOKIE_NAME="mispa_session", SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.secure_cookies,
        TEMPLATES_AUTO_RELOAD=False,
    )
    web_state = WebState(settings, config)
    web_state.uploads = UploadQueue(settings, web_state.index_lock)
    app.extensions["mispa"] = web_state
    i18n.init_app(app)
    auth.init_app(app)
    labels.init_app(app)
    _register_views(app)
    app.teardown_appcontext(close_catalog)
    app.after_request(_secure_headers)
    if resume_uploads:
        web_state.uploads.resume()
    return app


def _register_views(app: Flask) -> None:
    from . import views_report, views_review, views_search, views_upload

    for module in (views_search, views_review, views_upload, views_report):
        app.register_blueprint(module.bp)
    app.register_error_handler(RequestEntityTooLarge, views_upload.too_large)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(DataFileError, _data_file_error)


def _secure_headers(response: ResponseReturnValue) -> ResponseReturnValue:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)  # type: ignore[union-attr]
    return response


def _data_file_error(error: DataFileError) -> ResponseReturnValue:
    """A data file staff edit does not read (a term file, the glossary): say which and where, not 500."""
    message = i18n.gettext("error.data_file", reason=str(error), folder=error.folder)
    return render_template("error.html", code=503, message=message), 503


def _http_error(error: HTTPException) -> ResponseReturnValue:
    """An error page in the interface's language; a reason given with abort() is shown as is."""
    code = error.code or 500
    key = f"error.{code}"
    given = error.description if error.description != type(error).description else None
    message = given or (i18n.gettext(key) if key in i18n.messages("en") else error.description)
    return render_template("error.html", code=code, message=message), code
