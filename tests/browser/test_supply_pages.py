"""A credit-backed product's provenance page in real headless Chromium: it says plainly what
backs it, apart from Labelled metal, on every backend."""

from __future__ import annotations

import pytest

from .test_provenance_page import assert_not_blank, provenance_server  # noqa: F401

pytestmark = pytest.mark.browser

CHAIN = "CHAIN-2026-0001"


def test_credit_backed_chain_page_renders_in_chromium(provenance_server, browser, request):  # noqa: F811
    url = f"{provenance_server}/lots/{CHAIN}"
    dom = browser.dom(url)
    assert (
        "Backed by 6 Fairmined Credits from mines Cooperativa Minera El Tambo and "
        "Cooperativa Aurífera Qori Tika" in dom
    )
    assert '<li class="badge badge-gold">Fairmined Credits</li>' in dom
    assert "no Fairmined claim" in dom  # the chain's own metal is not Labelled
    assert "Verified against checkpoint of size" in dom
    png = browser.screenshot(url, "credits.png")
    assert_not_blank(png, browser.window)
    browser.keep(png, f"provenance-credits-{request.node.callspec.params['database_url']}.png")
