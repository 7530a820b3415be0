"""The clock window: admitted exactly when created_at lies within [received - max_age,
received + skew] (pure core)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.clock_window import check_clock
from ledger.errors import LedgerError
from ledger.timefmt import format_instant

RECEIVED = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)


@given(
    offset=st.integers(-200_000, 200_000),
    skew=st.integers(0, 3_600),
    max_age=st.integers(0, 172_800),
)
def test_an_entry_is_admitted_exactly_inside_the_window(offset, skew, max_age):
    created_at = format_instant(RECEIVED + timedelta(seconds=offset))
    if offset > skew:
        expected = "clock-skew"
    elif offset < -max_age:
        expected = "entry-too-old"
    else:
        expected = None
    if expected is None:
        check_clock(created_at, RECEIVED, skew, max_age)
    else:
        with pytest.raises(LedgerError) as refused:
            check_clock(created_at, RECEIVED, skew, max_age)
        assert refused.value.code == expected
        assert refused.value.pointer == "/created_at"
