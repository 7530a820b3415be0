"""One decision of where a premium stands, for rules, reports, bundles and pages."""

from __future__ import annotations

import pytest

from ledger.premium_state import outstanding, premium_state, settled


@pytest.mark.parametrize(
    ("paid", "confirmed", "state", "owed"),
    [
        (0, 0, "unpaid", 300),
        (200, 200, "unpaid", 100),
        (300, 0, "unconfirmed", 300),
        (300, 299, "unconfirmed", 1),
        (300, 300, "paid", 0),
    ],
)
def test_a_premium_is_unpaid_then_unconfirmed_then_paid(paid, confirmed, state, owed):
    obligation = {"due": 300, "paid": paid, "confirmed": confirmed}
    assert premium_state(obligation) == state
    assert settled(obligation) is (state == "paid")
    assert outstanding(obligation) == owed


def test_a_premium_lowered_below_what_was_confirmed_is_settled_and_owes_nothing():
    obligation = {"due": 250, "paid": 300, "confirmed": 300}
    assert premium_state(obligation) == "paid"
    assert outstanding(obligation) == 0
