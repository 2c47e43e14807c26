"""Sign-in, CSRF, roles and review in the browser (test client), and `mispa user` accounts."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from test_web_support import ADMIN, REVIEWER, SECRET, make_web_data, sign_in, token

import index
from ingest.catalog import Catalog
from ingest.settings import Settings
from search_cli.cli import cli
from web import WebConfig, create_app
from web.users import InvalidUser, UserExists, add_user, authenticate, get_user, set_disabled


@pytest.fixture(scope="module")
def data_dir(corpus_catalog, tmp_path_factory):
    return make_web_data(corpus_catalog, tmp_path_factory.mktemp("web-review"))


@pytest.fixture(scope="module")
def app(data_dir):
    return create_app(Settings(data_dir), WebConfig(secret_key=SECRET, login_attempts=3))


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def reviewer(client):
    assert sign_in(client, *REVIEWER).status_code == 302
    return client


def some_section(data_dir, exclude: tuple[str, ...] = ()) -> dict:
    with Catalog(data_dir / "catalog.sqlite") as catalog:
        return next(r for r in catalog.iter_sections()
                    if r["id"] not in exclude and r["kind"] == "program"
                    and not r["title"].startswith("Programa <"))


def history(data_dir, sid: str) -> list[dict]:
    from classify.review import history as log

    with Catalog(data_dir / "catalog.sqlite") as catalog:
        return log(catalog, sid)


def test_sign_in_with_a_wrong_password_fails_and_a_right_one_opens_a_session(client):
    bad = sign_in(client, REVIEWER[0], "not-the-password")
    assert bad.status_code == 401 and "Wrong name or password." in bad.get_data(as_text=True)
    good = sign_in(client, *REVIEWER)
    assert good.status_code == 302 and good.headers["Location"] == "/"
    html = client.get("/").get_data(as_text=True)
    assert "rita" in html and 'action="/logout"' in html
    client.post("/logout", data={"csrf_token": token(client)})
    assert 'action="/logout"' not in client.get("/").get_data(as_text=True)


def test_repeated_failures_pause_sign_in_for_that_name(client):
    for _ in range(3):
        sign_in(client, "adam", "wrong-password")
    assert sign_in(client, *ADMIN).status_code == 429


def test_every_form_needs_the_csrf_token(reviewer, data_dir):
    sid = some_section(data_dir)["id"]
    assert reviewer.post(f"/section/{sid}/review", data={"action": "accept"}).status_code == 400
    forged = {"action": "accept", "csrf_token": "forged"}
    assert reviewer.post(f"/section/{sid}/review", data=forged).status_code == 400
    assert reviewer.post("/review/accept", data={"id": sid}).status_code == 400
    assert reviewer.post("/logout").status_code == 400
    assert not history(data_dir, sid)


def test_review_pages_need_a_signed_in_reviewer(client, data_dir):
    sid = some_section(data_dir)["id"]
    response = client.get("/review")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=/review")
    response = client.post(f"/section/{sid}/review", data={"action": "accept", "csrf_token": token(client)})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert 'id="save-tags"' not in client.get(f"/section/{sid}").get_data(as_text=True)
    assert client.get("/upload").status_code == 302


def test_correcting_tags_on_the_section_page_reaches_the_catalog_the_log_and_search(reviewer, data_dir):
    row = some_section(data_dir)
    sid = row["id"]
    html = reviewer.get(f"/section/{sid}").get_data(as_text=True)
    assert 'id="save-tags"' in html and 'id="accept-tags"' in html
    response = reviewer.post(f"/section/{sid}/review", data={
        "action": "set", "pillar": ["5"], "theme": ["5.2", "1.3"], "note": "<b>checked</b>",
        "csrf_token": token(reviewer)})
    assert response.status_code == 302
    with Catalog(data_dir / "catalog.sqlite") as catalog:
        tags = catalog.tags_for(sid)
    assert {(t.kind, t.code) for t in tags} == {("pillar", "1"), ("pillar", "5"), ("theme", "1.3"),
                                                ("theme", "5.2")}
    assert all(t.source == "reviewer" for t in tags)
    (entry,) = history(data_dir, sid)
    assert (entry["action"], entry["reviewer"], entry["origin"]) == ("set", "rita", "web")
    page = reviewer.get(f"/section/{sid}").get_data(as_text=True)
    assert "Saved. Pillars: 1, 5" in page and "&lt;b&gt;checked&lt;/b&gt;" in page
    found = index.search(data_dir / "index", "", {"pillar": [5], "theme": ["1.3"]}, limit=1000)
    assert sid in [h.id for h in found.hits]
    listed = reviewer.get("/?pillar=5&theme=1.3&limit=50").get_data(as_text=True)
    assert f'data-id="{sid}"' in listed


def test_accepting_on_the_section_page_keeps_the_tags_and_logs_it(reviewer, data_dir):
    row = some_section(data_dir, exclude=(some_section(data_dir)["id"],))
    with Catalog(data_dir / "catalog.sqlite") as catalog:
        before = {(t.kind, t.code) for t in catalog.tags_for(row["id"])}
    reviewer.post(f"/section/{row['id']}/review", data={"action": "accept", "csrf_token": token(reviewer)})
    with Catalog(data_dir / "catalog.sqlite") as catalog:
        assert {(t.kind, t.code) for t in catalog.tags_for(row["id"])} == before
    assert [e["action"] for e in history(data_dir, row["id"])] == ["accept"]


def test_queue_lists_pending_sections_and_bulk_accept_records_each(reviewer, data_dir):
    html = reviewer.get("/review?kind=lesson").get_data(as_text=True)
    ids = re.findall(r'name="id" value="([0-9a-f]+)"', html)
    assert len(ids) >= 2 and "sections need a look" in html
    response = reviewer.post("/review/accept", data={"id": ids[:2], "next": "/review?kind=lesson",
                                                      "csrf_token": token(reviewer)})
    assert response.status_code == 302 and response.headers["Location"] == "/review?kind=lesson"
    for sid in ids[:2]:
        assert [e["action"] for e in history(data_dir, sid)] == ["accept"]
    after = reviewer.get("/review?kind=lesson").get_data(as_text=True)
    assert ids[0] not in re.findall(r'name="id" value="([0-9a-f]+)"', after)
    assert "Accepted the tags of 2 sections." in after


def test_an_unknown_action_is_refused(reviewer, data_dir):
    sid = some_section(data_dir)["id"]
    response = reviewer.post(f"/section/{sid}/review", data={
        "action": "delete-everything", "csrf_token": token(reviewer)})
    assert response.status_code == 400


def test_a_disabled_account_loses_its_session(app, data_dir):
    with Catalog(data_dir / "catalog.sqlite") as catalog:
        add_user(catalog, "temp", "temp-password", "reviewer")
    client = app.test_client()
    sign_in(client, "temp", "temp-password")
    assert client.get("/review").status_code == 200
    with Catalog(data_dir / "catalog.sqlite") as catalog:
        set_disabled(catalog, "temp", True)
    assert client.get("/review").status_code == 302


def test_accounts_store_only_a_scrypt_hash(tmp_path):
    with Catalog(tmp_path / "catalog.sqlite") as catalog:
        add_user(catalog, "Ana", "a long passphrase", "admin")
        stored = catalog.db.execute("SELECT password_hash FROM users").fetchone()[0]
        assert stored.startswith("scrypt:") and "a long passphrase" not in stored
        assert authenticate(catalog, "ana", "a long passphrase").name == "Ana"
        assert authenticate(catalog, "Ana", "A long passphrase") is None
        assert authenticate(catalog, "nobody", "a long passphrase") is None
        with pytest.raises(UserExists):
            add_user(catalog, "ANA", "another passphrase", "reviewer")
        with pytest.raises(InvalidUser):
            add_user(catalog, "bob", "short", "reviewer")
        with pytest.raises(InvalidUser):
            add_user(catalog, "bob smith", "long enough pass", "reviewer")
        set_disabled(catalog, "Ana", True)
        assert authenticate(catalog, "Ana", "a long passphrase") is None
        assert get_user(catalog, "ana").disabled


def test_user_commands(tmp_path):
    def run(*args: str, stdin: str | None = None):
        return CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "user", *args], input=stdin,
                                  catch_exceptions=False)

    assert run("add", "ana", "--role", "reviewer", "--password-stdin", stdin="secret-pass\n").exit_code == 0
    assert run("add", "ana", "--role", "admin", "--password-stdin", stdin="secret-pass\n").exit_code == 1
    assert run("add", "bo", "--role", "admin", "--password-stdin", stdin="short\n").exit_code == 2
    assert run("add", "bo", "--role", "boss", "--password-stdin", stdin="long-enough\n").exit_code == 2
    prompted = run("add", "eva", "--role", "admin", stdin="pass-word-1\npass-word-1\n")
    assert prompted.exit_code == 0 and "pass-word-1" not in prompted.output
    assert run("passwd", "ana", "--password-stdin", stdin="new-secret-pass\n").exit_code == 0
    assert run("passwd", "zed", "--password-stdin", stdin="new-secret-pass\n").exit_code == 1
    assert run("disable", "eva").exit_code == 0
    listed = json.loads(run("list", "--format", "json").output)
    assert [(u["name"], u["role"], u["disabled"]) for u in listed] == [("ana", "reviewer", False),
                                                                        ("eva", "admin", True)]
    with Catalog(tmp_path / "catalog.sqlite") as catalog:
        assert authenticate(catalog, "ana", "new-secret-pass") is not None


def test_serve_has_help_and_defaults_to_this_computer_only():
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0 and "127.0.0.1" in result.output
