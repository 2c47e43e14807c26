"""Accounts of the web interface: reviewers and admins, kept in the catalog's ``users`` table.

Passwords are hashed with scrypt through werkzeug (``scrypt:32768:8:1$salt$hash``); only the hash
is stored. An account is never deleted, only disabled, so the names in the review log keep
pointing at someone. This module has no Flask import: ``mispa user add`` uses it directly.

    add_user(catalog, "ana", "a long passphrase", "reviewer")
    authenticate(catalog, "ana", "a long passphrase")  # -> User or None
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from dataclasses import dataclass

from werkzeug.security import check_password_hash, generate_password_hash

from ingest.catalog import Catalog

ROLES = ("reviewer", "admin")
MIN_PASSWORD = 8
HASH_METHOD = "scrypt"
_NAME = re.compile(r"^[\w.@+-]{1,64}$")
# Checked when the name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not a password", method=HASH_METHOD)


class UserError(Exception):
    "The account could not be changed"


class InvalidUser(UserError):
    "Invalid name, role or password"


class UserExists(UserError):
    "An account with this name already exists"


class UnknownUser(UserError):
    "No account with this name"


@dataclass(frozen=True, slots=True)
class User:
    name: str
    role: str
    created_at: str
    disabled: bool = False

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def check_new(name: str, password: str | None, role: str | None) -> None:
    """Raise InvalidUser with a one-line reason for a bad name, password or role."""
    if not _NAME.match(name):
        raise InvalidUser(f"invalid name {name!r}: 1-64 letters, digits or . @ + - _")
    if role is not None and role not in ROLES:
        raise InvalidUser(f"unknown role {role!r} (roles: {', '.join(ROLES)})")
    if password is not None and len(password) < MIN_PASSWORD:
        raise InvalidUser(f"the password must have at least {MIN_PASSWORD} characters")


def _user(row: sqlite3.Row) -> User:
    return User(row["name"], row["role"], row["created_at"], bool(row["disabled"]))


def add_user(catalog: Catalog, name: str, password: str, role: str) -> User:
    """Create an account; UserExists when the name (any case) is taken."""
    check_new(name, password, role)
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    try:
        with catalog.transaction() as db:
            db.execute("INSERT INTO users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)",
                       (name, role, generate_password_hash(password, method=HASH_METHOD), now))
    except sqlite3.IntegrityError as exc:
        raise UserExists(f"an account named {name!r} already exists") from exc
    return User(name, role, now)


def get_user(catalog: Catalog, name: str) -> User | None:
    row = catalog.db.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
    return _user(row) if row else None


def list_users(catalog: Catalog) -> list[User]:
    return [_user(r) for r in catalog.db.execute("SELECT * FROM users ORDER BY name COLLATE NOCASE")]


def set_password(catalog: Catalog, name: str, password: str) -> None:
    check_new(name, password, None)
    _update(catalog, name, "password_hash = ?", generate_password_hash(password, method=HASH_METHOD))


def set_role(catalog: Catalog, name: str, role: str) -> None:
    check_new(name, None, role)
    _update(catalog, name, "role = ?", role)


def set_disabled(catalog: Catalog, name: str, disabled: bool) -> None:
    _update(catalog, name, "disabled = ?", int(disabled))


def _update(catalog: Catalog, name: str, assignment: str, value: object) -> None:
    with catalog.transaction() as db:
        cur = db.execute(f"UPDATE users SET {assignment} WHERE name = ?", (value, name))
    if cur.rowcount == 0:
        raise UnknownUser(f"no account named {name!r}")


def authenticate(catalog: Catalog, name: str, password: str) -> User | None:
    """The account when the name and password match and it is not disabled, else None."""
    row = catalog.db.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
    if row is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(row["password_hash"], password) or row["disabled"]:
        return None
    return _user(row)
