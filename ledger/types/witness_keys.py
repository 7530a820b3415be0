"""Where the registered witness keys live in the state: one ``meta`` object, ``witnesses``."""

from __future__ import annotations

from ledger.projections import JSONObject
from ledger.state import Store

META_ID = "witnesses"


def witnesses(store: Store) -> list[JSONObject]:
    """Every witness key ever registered, in registration order (revoked ones included)."""
    meta = store.get("meta", META_ID)
    keys: list[JSONObject] = meta["keys"] if meta else []
    return keys


def active_witnesses(store: Store) -> list[JSONObject]:
    """The witness keys that have not been revoked."""
    return [w for w in witnesses(store) if w["revoked_seq"] is None]


def is_witness_key(store: Store, key_id: str) -> bool:
    """True if ``key_id`` names a registered witness key (so it may not sign entries)."""
    return any(w["key_id"] == key_id for w in witnesses(store))
