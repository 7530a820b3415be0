"""Admission of one entry: shape, authentication, role, body, then the type's rules.

``apply_entry`` is the single place where an entry becomes a record. It reads the state through
a ``Store``, and returns the record with the state writes it implies; nothing is written on a
refusal. The service calls it inside its append transaction; replay, rebuild and offline
verification call it on an in-memory store.
"""

from __future__ import annotations

__all__ = [
    "GENESIS",
    "REGISTRY",
    "Applied",
    "Context",
    "EntryType",
    "apply_entry",
    "authenticate",
    "entry_type",
    "replay_record",
]

from dataclasses import dataclass

from ledger.entry import CheckedEntry, checked_entry, verify_entry_signature
from ledger.entry_types import GENESIS, REGISTRY, Context, EntryType, entry_type
from ledger.errors import LedgerError, forbidden, invalid
from ledger.keys import PublicKey
from ledger.projections import Actor, JSONObject, Party
from ledger.record import GENESIS_PREV, Record, make_record
from ledger.state import Overlay, Reader, Store
from ledger.timefmt import parse_instant


@dataclass(frozen=True)
class Applied:
    """An accepted entry: its record, the state objects it writes, and any flags raised."""

    record: Record
    writes: list[tuple[str, JSONObject]]
    flags: tuple[str, ...]


def authenticate(store: Reader, entry: JSONObject, text: bytes | None = None) -> Party:
    """The actor's party, if the entry is signed by a key of the actor that is active now.

    ``text`` is the entry's canonical bytes, if already computed. The signature is always
    checked here (a signature verified moments before, on the same bytes, is remembered by
    ``PublicKey.verify``).
    """
    party = store.get("party", entry["actor"])
    if party is None:
        raise forbidden("unknown-actor", f"no registered party {entry['actor']!r}")
    key = store.get("key", entry["key_id"])
    if key is None:
        raise forbidden("unknown-key", f"no registered key {entry['key_id']}")
    if key["party"] != party["id"]:
        raise forbidden("wrong-key", "the key belongs to another party")
    if key["revoked_at"] is not None:
        raise forbidden("revoked-key", f"the key was revoked at seq {key['revoked_seq']}")
    if parse_instant(entry["created_at"]) < parse_instant(key["valid_from"]):
        raise forbidden("key-not-yet-valid", "created_at is before the key was added")
    verify_entry_signature(entry, PublicKey.from_b64(key["public_key"]), text)
    return party


def _private(etype: EntryType, private: object, public: bool) -> JSONObject | None:
    if etype.private is None:
        if private is not None:
            raise invalid(f"{etype.name} takes no private data", "/private")
        return None
    if private is None:
        if public:
            return None
        raise invalid("is required for this entry type", "/private")
    return etype.private.check(private, "/private")


def apply_entry(
    store: Store,
    entry: object,
    *,
    seq: int,
    prev_hash: str,
    received_at: str,
    private: object = None,
    public: bool = False,
) -> Applied:
    """Check ``entry`` against the state in ``store``; return the record and its writes.

    ``entry`` is the entry as submitted, or a ``CheckedEntry`` made from it by
    ``ledger.entry.checked_entry`` (its envelope checked and canonical bytes computed once).
    ``private`` is the entry's unsigned private data. ``public`` replays without it (offline
    verification of a public bundle): checks that need private data are then skipped.
    """
    checked = entry if isinstance(entry, CheckedEntry) else checked_entry(entry)
    entry = checked.entry
    etype = REGISTRY.get(entry["type"])
    if etype is None:
        raise invalid(f"unknown entry type {entry['type']!r}", "/type")
    if (etype.name == GENESIS) != (seq == 1):
        raise LedgerError("genesis-only-first", "the genesis entry is exactly seq 1")
    if seq == 1 and prev_hash != GENESIS_PREV:
        raise invalid("the genesis record links to the zero hash", "/prev_hash")
    record = make_record(seq, prev_hash, received_at, entry, checked.text)
    overlay = Overlay(store)
    body = etype.body.check(entry["body"], "/body")
    if etype.name == GENESIS:
        actor: Actor = {"id": entry["actor"], "roles": ["operator"]}
    else:
        actor = authenticate(overlay, entry, checked.text)
        if not etype.roles & set(actor["roles"]):
            raise forbidden(
                "role-not-allowed",
                f"{entry['type']} may be stated by {', '.join(sorted(etype.roles))}, "
                f"not by {', '.join(actor['roles'])}",
            )
    context = Context(overlay, entry, body, actor, record, _private(etype, private, public))
    etype.rule(context)
    writes = [(kind, value) for kind, _key, value in overlay.items()]
    return Applied(record, writes, tuple(context.flags))


def replay_record(
    store: Store, record: Record, *, private: object = None, public: bool = False
) -> Applied:
    """Re-apply an appended record to ``store`` and write its state changes there."""
    applied = apply_entry(
        store,
        record.entry,
        seq=record.seq,
        prev_hash=record.prev_hash,
        received_at=record.received_at,
        private=private,
        public=public,
    )
    for kind, value in applied.writes:
        store.put(kind, value)
    return applied


import ledger.types  # noqa: E402,F401  (registers every entry type; they import only ledger.entry_types)
