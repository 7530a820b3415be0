"""Per-origin accounting of labelled fine metal: sharing out never creates a milligram."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ledger.origins import apportion, scaled, shrink_to

ORIGINS = st.dictionaries(
    st.sampled_from(["asmo-a", "asmo-b", "asmo-c", "asmo-d"]), st.integers(0, 10**9), max_size=4
)
CAPACITIES = st.lists(st.integers(0, 10**9), min_size=1, max_size=8)


@given(ORIGINS, CAPACITIES)
def test_apportion_never_exceeds_a_share_or_a_capacity(origin, capacities):
    parts = apportion(origin, capacities)
    assert len(parts) == len(capacities)
    for part, capacity in zip(parts, capacities, strict=True):
        assert sum(part.values()) <= capacity
        assert all(mg > 0 for mg in part.values())
    for mine, mg in origin.items():
        assert sum(part.get(mine, 0) for part in parts) <= mg
    if sum(capacities) >= sum(origin.values()):  # room for all of it: exactly conserved
        for mine, mg in origin.items():
            assert sum(part.get(mine, 0) for part in parts) == mg


@given(ORIGINS, st.integers(0, 10**9), st.integers(1, 10**9))
def test_scaling_only_shrinks(origin, numerator, denominator):
    shares = scaled(origin, numerator, denominator)
    assert all(shares[mine] <= mg for mine, mg in origin.items())
    assert sum(shares.values()) * denominator <= sum(origin.values()) * max(numerator, denominator)


@given(ORIGINS, st.integers(0, 4 * 10**9), st.integers(0, 4 * 10**9))
def test_a_lot_shrinks_to_fit_and_never_grows(origin, extra, fine):
    lot = {"fine_mg": sum(origin.values()) + extra, "origin_fine": dict(origin)}
    before = dict(lot)
    shrink_to(lot, fine)
    assert lot["fine_mg"] == min(before["fine_mg"], fine)
    assert sum(lot["origin_fine"].values()) <= lot["fine_mg"]
    assert all(lot["origin_fine"].get(m, 0) <= mg for m, mg in origin.items())
