"""Set-up shared by the web tests (this module holds no tests).

``make_web_data`` copies the session's ingested sample corpus (the ``corpus_catalog`` fixture) into
a fresh data directory, adds one hostile section whose text contains ``<script>``, creates a
reviewer and an admin, and builds the search index, so each web test module gets its own catalog
to change.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from ingest.catalog import Catalog, DocumentInfo
from ingest.model import Evidence, Section, SectionKind, Status, Tag

HOSTILE_TITLE = 'Programa <script>alert("xss")</script> de convivencia'
HOSTILE_TEXT = 'Talleres <img src=x onerror=alert(1)> contra la violencia escolar & "bullying".'
REVIEWER = ("rita", "rita-password")
ADMIN = ("adam", "adam-password")
SECRET = "test-secret-key-of-enough-length"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_web_data(corpus_catalog: Catalog, target: Path) -> Path:
    """A data directory with the corpus, the hostile section, two accounts and an index."""
    import index
    from search_cli.wiring import records
    from web.users import add_user

    target.mkdir(parents=True, exist_ok=True)
    dest = sqlite3.connect(target / "catalog.sqlite")
    corpus_catalog.db.backup(dest)
    dest.close()
    with Catalog(target / "catalog.sqlite") as catalog:
        add_hostile_section(catalog)
        add_user(catalog, *REVIEWER, "reviewer")
        add_user(catalog, *ADMIN, "admin")
        index.build_index(records(catalog), target / "index")
    return target


def add_hostile_section(catalog: Catalog) -> str:
    """A reply whose title and text carry markup; its pillar-2 evidence spans "violencia"."""
    info = DocumentInfo(sha256="f" * 64, file_name="hostile<b>.docx", path="/nonexistent/hostile.docx",
                        format="docx", status=Status.OK, language="es", member_state="Chile", year=2015)
    start = HOSTILE_TEXT.index("violencia")
    evidence = (Evidence("violencia", "description", start, start + len("violencia"), 1.0),)
    section = Section(kind=SectionKind.PROGRAM, title=HOSTILE_TITLE, fields={"description": HOSTILE_TEXT},
                      text=f"{HOSTILE_TITLE}\n{HOSTILE_TEXT}", ordinal=0, language="es", member_state="Chile")
    catalog.begin_document(info)
    (sid,) = catalog.finish_document(info, [section], {0: ([Tag("pillar", "2", 0.9, "text", evidence)], "")})
    return sid


def csrf_from(html: str) -> str:
    found = _TOKEN.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def sign_in(client, name: str, password: str):  # type: ignore[no-untyped-def]
    """Sign in through the form, as a browser would; returns the response to the POST."""
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"name": name, "password": password, "csrf_token": token, "next": "/"})


def token(client, path: str = "/login") -> str:  # type: ignore[no-untyped-def]
    """The session's CSRF token, read from a page's forms."""
    return csrf_from(client.get(path).get_data(as_text=True))
