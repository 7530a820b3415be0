"""The landing page in Chromium, and its search opening a lot's provenance page."""

from __future__ import annotations

import urllib.parse

import pytest

pytestmark = pytest.mark.browser


def test_the_landing_page_renders_and_its_search_opens_a_lot(browser, live_server):
    home = browser.dom(f"{live_server}/")
    assert "Where does this gold come from?" in home
    scanned = urllib.parse.quote(f"{live_server}/lots/RING-2026-0001", safe="")
    page = browser.dom(f"{live_server}/search?q={scanned}")
    assert "RING-2026-0001" in page
    assert "Provenance" in page


def test_a_missing_page_is_a_page(browser, live_server):
    assert "Nothing here" in browser.dom(f"{live_server}/no/such/page")
