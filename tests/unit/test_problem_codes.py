"""The one list of problem codes: well formed, each answered with one HTTP status, all in use.

The rules' codes are each held to an entry they refuse by ``test_rule_table``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.problems import HTTP_CODES, STATUSES, status_of
from ledger.errors import LedgerError, conflict, forbidden, invalid
from ledger.problem_codes import PROBLEMS, Category

ROOT = Path(__file__).resolve().parents[2]
REGISTRY_FILE = ROOT / "ledger" / "problem_codes.py"


@pytest.mark.parametrize("code", sorted(PROBLEMS))
def test_each_code_is_kebab_case_titled_and_categorised(code):
    assert re.fullmatch(r"[a-z]+(-[a-z0-9]+)*", code)
    category, title = PROBLEMS[code]
    assert isinstance(category, Category)
    assert title.strip() == title != ""
    assert not title.endswith(".")
    assert 400 <= status_of(code) < 600


def test_every_category_has_one_status():
    assert set(STATUSES) == set(Category)


def test_each_http_error_of_the_web_layer_keeps_its_status():
    for status, code in HTTP_CODES.items():
        assert status_of(code) == status, code


def test_every_registered_code_is_used_by_the_ledger_or_the_service():
    sources = [
        path.read_text(encoding="utf-8")
        for package in ("ledger", "app")
        for path in (ROOT / package).rglob("*.py")
        if path != REGISTRY_FILE
    ]
    unused = [code for code in PROBLEMS if not any(f'"{code}"' in text for text in sources)]
    assert unused == []


def test_a_refusal_takes_its_category_from_the_registry():
    assert LedgerError("stale-head", "moved on").category is Category.CONFLICT
    assert invalid("no", "/body").category is Category.INVALID
    assert conflict("lot-exists", "again").category is Category.CONFLICT
    assert forbidden("not-holder", "not yours").category is Category.FORBIDDEN


def test_an_unregistered_code_fails_loudly():
    with pytest.raises(ValueError, match="unregistered problem code 'stale-haed'"):
        LedgerError("stale-haed", "a typo")
    with pytest.raises(ValueError, match="registered as forbidden"):
        conflict("not-holder", "a conflict it is not")
    with pytest.raises(ValueError, match="registered as conflict"):
        forbidden("stale-head", "a refusal of the actor it is not")
