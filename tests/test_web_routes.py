"""The web interface's read-only pages through Flask's test client: search with facets, pagination,
cross-language and sorting; the URL as the whole search state; section pages; escaping; languages."""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path

import pytest
from test_web_support import HOSTILE_TITLE, SECRET, make_web_data
from werkzeug.datastructures import MultiDict

import index
from ingest.catalog import Catalog
from ingest.settings import Settings
from web import WebConfig, create_app
from web.i18n import safe_next
from web.query import SearchState, page_numbers

HIT_ID = re.compile(r'<li class="hit" data-id="([0-9a-f]+)"')


@pytest.fixture(scope="module")
def data_dir(corpus_catalog, tmp_path_factory) -> Path:
    return make_web_data(corpus_catalog, tmp_path_factory.mktemp("web-routes"))


@pytest.fixture(scope="module")
def app(data_dir):
    return create_app(Settings(data_dir), WebConfig(secret_key=SECRET))


@pytest.fixture()
def client(app):
    return app.test_client()


def page(client, url: str, status: int = 200, **kwargs) -> str:
    response = client.get(url, **kwargs)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def test_search_lists_hits_with_highlighted_snippets_and_facets(client, data_dir):
    html = page(client, "/?q=violencia")
    expected = index.search(data_dir / "index", "violencia", limit=10)
    assert f"{expected.total} sections match" in html
    assert HIT_ID.findall(html) == [h.id for h in expected.hits]
    assert "<mark>" in html
    for facet in ("pillar", "theme", "country", "kind", "language", "year"):
        assert f'id="facet-{facet}"' in html
    assert f'href="/section/{expected.hits[0].id}"' in html


def test_facet_links_filter_combine_and_toggle_off(client, data_dir):
    html = page(client, "/?q=violencia")
    link = re.search(r'href="([^"]+)" class="facet-value" data-facet="pillar" data-value="2"', html).group(1)
    assert link == "/?q=violencia&amp;pillar=2"
    filtered = page(client, "/?q=violencia&pillar=2")
    expected = index.search(data_dir / "index", "violencia", {"pillar": [2]})
    assert f"{expected.total} sections match" in filtered
    assert 'aria-current="true" data-facet="pillar" data-value="2"' in filtered
    combined = page(client, "/?q=violencia&pillar=2&kind=program")
    both = index.search(data_dir / "index", "violencia", {"pillar": [2], "kind": ["program"]})
    assert f"{both.total} sections match" in combined and both.total <= expected.total
    # clicking a selected value again removes it
    assert 'href="/?q=violencia&amp;kind=program" class="facet-value selected"' in combined


def test_the_url_holds_the_whole_search_state():
    args = MultiDict([("q", "juventud"), ("pillar", "2"), ("pillar", "4"), ("country", "Chile"),
                      ("sort", "date"), ("page", "3"), ("limit", "20"), ("translate", "no")])
    state = SearchState.from_args(args)
    url = state.url()
    query = url.split("?", 1)[1]
    again = SearchState.from_args(MultiDict([tuple(p.split("=", 1)) for p in query.split("&")]))
    assert again == state
    assert state.index_filters() == {"pillar": [2, 4], "member_state": ["Chile"]}
    assert state.toggle("pillar", "4").endswith("pillar=2&country=Chile&sort=date&translate=no&limit=20")


def test_malformed_parameters_are_dropped_not_refused(client):
    state = SearchState.from_args(MultiDict([("pillar", "abc"), ("page", "-3"), ("sort", "x"), ("limit", "7"),
                                             ("year", "20x5"), ("kind", "<script>")]))
    assert (state.filters, state.page, state.sort, state.limit) == ({}, 1, "relevance", 10)
    page(client, "/?pillar=abc&page=-3&sort=bogus&kind=<script>")


def test_cross_language_option_changes_what_is_found(client, data_dir):
    across = index.search(data_dir / "index", "youth", translate=True).total
    typed = index.search(data_dir / "index", "youth", translate=False).total
    assert across > typed
    assert f"{across} sections match" in page(client, "/?q=youth")
    html = page(client, "/?q=youth&translate=no")
    assert f"{typed} sections match" in html and 'name="translate" value="no" checked' in html


def test_sorting_and_pagination(client, data_dir):
    first = HIT_ID.findall(page(client, "/?sort=date"))
    second_html = page(client, "/?sort=date&page=2")
    second = HIT_ID.findall(second_html)
    assert len(first) == 10 and second and not set(first) & set(second)
    expected = index.search(data_dir / "index", "", sort="date", page=2)
    assert second == [h.id for h in expected.hits]
    assert '<span aria-current="page" class="current">2</span>' in second_html
    assert 'href="/?sort=date&amp;page=3" rel="next"' in second_html
    assert page_numbers(7, 12) == [1, None, 5, 6, 7, 8, 9, None, 12]
    assert len(HIT_ID.findall(page(client, "/?limit=20"))) == 20


def test_unreadable_query_is_a_400_with_the_reason(client):
    html = page(client, "/?q=%22unclosed", status=400)
    assert 'role="alert"' in html


def test_a_data_file_that_does_not_read_is_a_503_naming_it(client, monkeypatch):
    import index
    from index.translate import GlossaryError

    def broken(*args, **kwargs):
        raise GlossaryError("glossary.tsv:408: 2 columns, expected 4 (en, es, pt, fr) separated by one tab")

    monkeypatch.setattr(index, "search", broken)
    html = page(client, "/?q=violencia", status=503)
    assert "glossary.tsv:408: 2 columns" in html and "index/data/" in html


def test_section_page_lists_similar_sections_of_other_member_states_apart(client, data_dir):
    brazil = {"member_state": ["Brazil"], "language": ["pt"]}
    hit = index.search(data_dir / "index", "violência", brazil).hits[0]
    html = page(client, f"/section/{hit.id}")
    assert 'id="similar-any"' in html and 'id="similar-abroad"' in html and "In other Member States" in html
    abroad = html[html.index('id="similar-abroad"'):].split("</ul>")[0]
    assert abroad.count("<li>") == 5 and "Brazil" not in abroad
    assert "Brazil" in html[html.index('id="similar-any"'):].split("</ul>")[0]


def test_section_page_shows_fields_in_order_tags_evidence_provenance_similar(client, data_dir):
    with Catalog(data_dir / "catalog.sqlite") as catalog:
        row = next(r for r in catalog.iter_sections() if len(r["fields"]) >= 3
                   and r["file_name"].endswith("docx") and "!/" not in r["source_path"])
        tags = catalog.tags_for(row["id"])
    html = page(client, f"/section/{row['id']}")
    ids = [f'id="field-{name}"' for name, value in row["fields"].items() if value and name != "name"]
    positions = [html.index(i) for i in ids]
    assert positions == sorted(positions)
    for tag in tags:
        assert f'data-kind="{tag.kind}" data-code="{tag.code}"' in html
    assert '<mark class="evidence"' in html
    assert row["file_name"] in html and 'id="download-original"' in html
    assert 'id="similar"' in html and html.count('href="/section/') >= 2
    assert "Never reviewed." in html
    original = client.get(f"/section/{row['id']}/original")
    assert original.status_code == 200
    assert original.data == Path(row["source_path"]).read_bytes()
    assert "attachment" in original.headers["Content-Disposition"]


def test_original_of_an_attachment_is_taken_out_of_its_container(client, data_dir):
    with Catalog(data_dir / "catalog.sqlite") as catalog:
        rows = [r for r in catalog.iter_sections() if "!/" in r["source_path"]]
    if not rows:
        pytest.skip("the corpus holds no e-mail or archive")
    row = max(rows, key=lambda r: r["source_path"].count("!/"))  # the most deeply nested one
    assert 'id="download-container"' in page(client, f"/section/{row['id']}")
    original = client.get(f"/section/{row['id']}/original")
    assert original.status_code == 200
    assert hashlib.sha256(original.data).hexdigest() == row["sha256"]
    container = client.get(f"/section/{row['id']}/original?container=1")
    assert container.data == Path(row["source_path"].split("!/")[0]).read_bytes()


def test_document_text_is_escaped_everywhere(client):
    search = page(client, "/?q=convivencia+talleres&translate=no")  # words as typed: no topic bonus
    assert "<script>alert" not in search and "&lt;script&gt;alert" in search
    sid = re.search(r'data-id="([0-9a-f]+)">\s*<h2><a href="[^"]+">Programa &lt;script', search).group(1)
    html = page(client, f"/section/{sid}")
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert '<mark class="evidence" title="P2">violencia</mark>' in html
    assert "hostile&lt;b&gt;.docx" in html
    assert 'id="download-original"' not in html  # the file is not on the server
    assert client.get(f"/section/{sid}/original").status_code == 404
    assert HOSTILE_TITLE not in html


def test_unknown_section_and_page_are_404(client):
    assert "no section with id" in page(client, "/section/000000000000", status=404).lower()
    page(client, "/no/such/page", status=404)


def test_language_follows_the_browser_and_can_be_switched(client):
    spanish = page(client, "/", headers={"Accept-Language": "es-CL,es;q=0.9"})
    assert '<html lang="es">' in spanish and "Buscar" in spanish and "Plan nacional" in spanish
    assert '<html lang="en">' in page(client, "/", headers={"Accept-Language": "fr, en;q=0.5"})
    response = client.get("/lang/en?next=/%3Fq%3Dvida", headers={"Accept-Language": "es"})
    assert response.status_code == 302 and response.headers["Location"] == "/?q=vida"
    assert '<html lang="en">' in page(client, "/", headers={"Accept-Language": "es"})


def test_spanish_catalog_has_every_english_message_with_the_same_placeholders():
    folder = Path(__file__).resolve().parent.parent / "web" / "translations"
    en, es = (_flat(tomllib.loads((folder / f"{lang}.toml").read_text(encoding="utf-8")))
              for lang in ("en", "es"))
    assert set(en) == set(es)
    for key, text in en.items():
        assert set(re.findall(r"{(\w+)}", text)) == set(re.findall(r"{(\w+)}", es[key])), key


def _flat(table: dict, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in table.items():
        out.update(_flat(value, f"{prefix}{key}.") if isinstance(value, dict) else {f"{prefix}{key}": value})
    return out


def test_redirect_targets_stay_on_this_site():
    assert safe_next("/?q=a") == "/?q=a"
    for bad in ("//evil.example/x", "https://evil.example/", "javascript:alert(1)", "/\\evil", None, ""):
        assert safe_next(bad) == "/"


def test_security_headers_and_cookie_flags(client):
    response = client.get("/login")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie  # plain http works


def test_secure_cookies_setting(data_dir):
    behind_https = create_app(Settings(data_dir), WebConfig(secret_key=SECRET, secure_cookies=True)).test_client()
    cookie = behind_https.get("/login", base_url="https://mispa.example").headers.get("Set-Cookie", "")
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_require_login_setting_closes_search_but_not_sign_in(data_dir):
    closed = create_app(Settings(data_dir), WebConfig(secret_key=SECRET, require_login=True)).test_client()
    response = closed.get("/?q=violencia")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    assert closed.get("/login").status_code == 200
    assert closed.get("/static/style.css").status_code == 200
