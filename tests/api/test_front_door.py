"""The landing page, the lot search, the favicon, and 404s as pages for browsers only."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.web.home import lot_from_query
from ledger.fields import LOT_ID

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
lot_ids = st.from_regex(LOT_ID.pattern, fullmatch=True)


def test_the_landing_page_offers_search_and_the_ways_in(client):
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'action="/search"' in html
    assert 'name="q"' in html
    for href in ("/api/docs", "/api/v1/verifier-key", "/api/v1/checkpoint", "/login"):
        assert f'href="{href}"' in html, href
    assert "<script" not in html


def test_a_lot_id_or_a_scanned_link_opens_the_lot(client):
    for query in (
        "RING-2026-0001",
        " ring-2026-0001 ",
        "https://ledger.example/lots/RING-2026-0001?x=1",
    ):
        found = client.get("/search", query_string={"q": query})
        assert found.status_code == 302
        assert found.headers["Location"] == "/lots/RING-2026-0001"


def test_nonsense_is_answered_on_the_page(client):
    found = client.get("/search", query_string={"q": "//evil.example/x"})
    assert found.status_code == 400
    assert "paste the link" in found.get_data(as_text=True)


@settings(
    max_examples=200,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=st.text(max_size=120))
def test_the_search_only_ever_leads_to_a_lot_page(client, query):
    found = client.get("/search", query_string={"q": query})
    assert found.status_code in (302, 400)
    if found.status_code == 302:
        assert re.fullmatch(r"/lots/" + LOT_ID.pattern, found.headers["Location"])


@given(lot_id=lot_ids, host=st.sampled_from(["https://a.example", "http://127.0.0.1:8000", ""]))
def test_every_lot_id_is_found_bare_or_linked(lot_id, host):
    assert lot_from_query(lot_id) == lot_id
    assert lot_from_query(f"{host}/lots/{lot_id}") == lot_id
    assert lot_from_query(f"{host}/lots/{lot_id}?from=qr#top") == lot_id


@given(query=st.text(max_size=200))
def test_what_is_found_is_always_a_valid_lot_id(query):
    found = lot_from_query(query)
    assert found is None or re.fullmatch(LOT_ID.pattern, found)


def test_a_browser_gets_a_404_page_and_an_api_client_problem_json(client):
    page = client.get("/no/such/page", headers=BROWSER)
    assert page.status_code == 404
    assert page.mimetype == "text/html"
    assert "Nothing here" in page.get_data(as_text=True)
    for headers in ({}, {"Accept": "*/*"}, {"Accept": "application/json"}):
        problem = client.get("/no/such/page", headers=headers)
        assert problem.status_code == 404
        assert problem.mimetype == "application/problem+json"
        assert problem.get_json()["code"] == "not-found"
    api = client.get("/api/v1/no-such-thing", headers=BROWSER)
    assert api.mimetype == "application/problem+json"


def test_the_favicon_is_served(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    svg = client.get("/static/favicon.svg")
    assert svg.status_code == 200
    assert b"<svg" in svg.data


@given(payload=st.sampled_from(['"><script>alert(1)</script>', "<img src=x onerror=alert(1)>"]))
@settings(
    max_examples=5,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_a_search_is_echoed_escaped(client, payload):
    page = client.get("/search", query_string={"q": payload})
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert payload not in html
    assert "&lt;" in html
