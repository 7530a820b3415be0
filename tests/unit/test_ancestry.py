"""The one walk of a lot's ancestry, shared by bundles, the provenance page and EPCIS."""

from __future__ import annotations

import pytest

from ledger.ancestry import ancestry, parents_and_backing
from ledger.state import MemoryStore


class CountingStore(MemoryStore):
    """A store that remembers which objects were read."""

    def __init__(self) -> None:
        super().__init__()
        self.read: list[tuple[str, str]] = []

    def get(self, kind: str, key: str) -> dict | None:
        self.read.append((kind, key))
        return super().get(kind, key)


def lot(lot_id: str, *parents: str, **more) -> dict:
    return {"id": lot_id, "parents": list(parents), **more}


@pytest.fixture
def store() -> CountingStore:
    found = CountingStore()
    for item in (
        lot("RING-1", "BAR-1"),
        lot("BAR-1", "MIX-1"),
        lot("MIX-1", "DORE-A", "DORE-B"),
        lot("DORE-A"),
        lot("DORE-B"),
        lot("STOCK-1", "BAR-1"),
    ):
        found.put("lot", item)
    return found


def test_ancestry_follows_parents_back_to_the_mines(store):
    found = ancestry(store, store.get("lot", "RING-1"))
    assert [item["id"] for item in found] == ["BAR-1", "DORE-A", "DORE-B", "MIX-1", "RING-1"]
    assert sorted(key for _, key in store.read[1:]) == ["BAR-1", "DORE-A", "DORE-B", "MIX-1"]


def test_a_bundle_also_follows_retired_credits_and_mass_balance_draws(store):
    store.put("lot", lot("CREDITED-1", "DORE-C"))
    store.put("lot", lot("DORE-C"))
    store.put("lot", lot("DEPOSITED-1", "DORE-D"))
    store.put("lot", lot("DORE-D"))
    store.put("retirement", {"id": "RET-1", "batch": "FMC-1"})
    store.put("credit_batch", {"id": "FMC-1", "lot": "CREDITED-1"})
    deposit = {"kind": "deposit", "lot": "DEPOSITED-1"}
    store.put("mb_account", {"id": "MB-1", "events": [deposit, {"kind": "draw", "lot": "BAR-9"}]})
    backed = lot("RING-2", "BAR-1", credit_retirements=["RET-1"])
    backed["mass_balance_draws"] = [{"account": "MB-1"}]
    store.put("lot", backed)
    found = ancestry(store, store.get("lot", "RING-2"), parents_and_backing(store))
    assert [item["id"] for item in found] == [
        "BAR-1",
        "CREDITED-1",
        "DEPOSITED-1",
        "DORE-A",
        "DORE-B",
        "DORE-C",
        "DORE-D",
        "MIX-1",
        "RING-2",
    ]
    assert [item["id"] for item in ancestry(store, backed)] == [
        "BAR-1",
        "DORE-A",
        "DORE-B",
        "MIX-1",
        "RING-2",
    ]


def test_a_missing_lot_is_an_error(store):
    with pytest.raises(KeyError, match="GHOST"):
        ancestry(store, lot("ORPHAN-1", "GHOST"))
