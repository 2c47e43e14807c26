"""Sign-in, the signed session cookie, roles and CSRF protection.

The session is Flask's cookie signed with the app's secret key (itsdangerous); it holds the user's
name and a CSRF token, never a password. Every state-changing request (POST) must carry the
session's token in a ``csrf_token`` form field (or the ``X-CSRF-Token`` header), which every form
template includes. The account is re-read on each request, so disabling it ends its sessions.
Repeated wrong passwords for one name pause sign-in for that name for a few minutes.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Blueprint, Flask, abort, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from .i18n import gettext, safe_next
from .state import catalog, state
from .users import User, authenticate, get_user

F = TypeVar("F", bound=Callable[..., Any])
bp = Blueprint("auth", __name__)
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
OPEN_ENDPOINTS = frozenset({"auth.login", "static", "switch_language"})


def current_user() -> User | None:
    if "user" not in g:
        name = session.get("user")
        user = get_user(catalog(), name) if isinstance(name, str) else None
        g.user = user if user is not None and not user.disabled else None
    found: User | None = g.user
    return found


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return str(session["csrf"])


def check_csrf() -> None:
    """Refuse a POST whose token is missing or not the session's (400)."""
    if request.method not in UNSAFE_METHODS:
        return
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    expected = session.get("csrf")
    if not expected or not hmac.compare_digest(str(expected), sent):
        abort(400, description=gettext("error.csrf"))


def require_sign_in_when_configured() -> ResponseReturnValue | None:
    """With ``require_login``, every page but sign-in, static files and the language switch."""
    if not state().config.require_login or request.endpoint in OPEN_ENDPOINTS or current_user():
        return None
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def signed_in(*roles: str) -> Callable[[F], F]:
    """A view only for signed-in users with one of ``roles`` (any role when none is given)."""
    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if roles and user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return cast(F, wrapper)
    return decorate


def _locked_out(name: str) -> bool:
    config, failures = state().config, state().failed_logins
    recent = [t for t in failures.get(name.casefold(), []) if time.monotonic() - t < config.lockout_seconds]
    failures[name.casefold()] = recent
    return len(recent) >= config.login_attempts


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("login.html", next=target, name="")
    name = request.form.get("name", "").strip()
    password = request.form.get("password", "")
    if _locked_out(name):
        flash(gettext("login.locked"), "error")
        return render_template("login.html", next=target, name=name), 429
    user = authenticate(catalog(), name, password) if name and password else None
    if user is None:
        state().failed_logins.setdefault(name.casefold(), []).append(time.monotonic())
        flash(gettext("login.failed"), "error")
        return render_template("login.html", next=target, name=name), 401
    state().failed_logins.pop(name.casefold(), None)
    lang = session.get("lang")
    session.clear()  # a fresh session (and CSRF token) on sign-in: no fixation
    session.update(user=user.name, csrf=secrets.token_urlsafe(32), **({"lang": lang} if lang else {}))
    flash(gettext("login.welcome", name=user.name), "info")
    return redirect(target)


@bp.route("/logout", methods=["POST"])
def logout() -> ResponseReturnValue:
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(gettext("login.signed_out"), "info")
    return redirect(url_for("search.search"))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.before_request(check_csrf)
    app.before_request(require_sign_in_when_configured)
    app.jinja_env.globals.update(csrf_token=csrf_token, current_user=current_user)
