"""The API docs page renders the OpenAPI 3.1 document in Chromium: operations are listed."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


def test_the_api_docs_list_the_operations(browser, live_server):
    dom = browser.dom(f"{live_server}/api/docs")
    assert "Unable to render this definition" not in dom
    assert "Gold lot ledger" in dom
    paths = set(re.findall(r'data-path="([^"]+)"', dom))
    for path in ("/api/v1/entries", "/api/v1/lots/{lot_id}/bundle", "/api/v1/checkpoint"):
        assert path in paths, sorted(paths)
    assert len(re.findall(r'class="opblock opblock-', dom)) >= 20
    assert "OAS 3.1" in dom
    assert "authorize" in dom.lower()  # the bearer scheme offers the Authorize button
