"""Server-side records: an entry with its place in the chain, and the record hash.

A record is ``{seq, prev_hash, received_at, entry}``. Its leaf bytes are ``RECORD_PREFIX`` plus
the canonical JSON of the record, and ``entry_hash`` is the RFC 6962 leaf hash of those bytes, so
Merkle inclusion proofs start from ``entry_hash`` itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ledger.canonical import canonical_bytes
from ledger.merkle import leaf_hash
from ledger.projections import JSONObject

RECORD_PREFIX = b"gold-ledger/record/v1\n"
GENESIS_PREV = "0" * 64


@dataclass(frozen=True)
class Record:
    """One appended entry."""

    seq: int
    prev_hash: str
    received_at: str
    entry: JSONObject
    entry_hash: str

    def body(self) -> JSONObject:
        """The hashed content (everything but ``entry_hash``)."""
        return {
            "seq": self.seq,
            "prev_hash": self.prev_hash,
            "received_at": self.received_at,
            "entry": self.entry,
        }

    def to_json(self) -> JSONObject:
        return {**self.body(), "entry_hash": self.entry_hash}


def leaf_bytes(seq: int, prev_hash: str, received_at: str, entry: object) -> bytes:
    """The Merkle leaf data of a record."""
    body = {
        "seq": seq,
        "prev_hash": prev_hash,
        "received_at": received_at,
        "entry": entry,
    }
    return RECORD_PREFIX + canonical_bytes(body)


def leaf_bytes_of_text(seq: int, prev_hash: str, received_at: str, entry_text: bytes) -> bytes:
    """``leaf_bytes`` from the entry's canonical bytes: the record's members in canonical
    order (``entry``, ``prev_hash``, ``received_at``, ``seq``) around them, no second walk."""
    return b"".join(
        (
            RECORD_PREFIX,
            b'{"entry":',
            entry_text,
            b',"prev_hash":',
            json.dumps(prev_hash, ensure_ascii=False).encode(),
            b',"received_at":',
            json.dumps(received_at, ensure_ascii=False).encode(),
            b',"seq":',
            str(int(seq)).encode(),
            b"}",
        )
    )


def record_hash(seq: int, prev_hash: str, received_at: str, entry: JSONObject) -> str:
    """``entry_hash``: hex of the RFC 6962 leaf hash of the record's leaf bytes."""
    return leaf_hash(leaf_bytes(seq, prev_hash, received_at, entry)).hex()


def make_record(
    seq: int, prev_hash: str, received_at: str, entry: JSONObject, entry_text: bytes | None = None
) -> Record:
    """Build a record and compute its hash (``entry_text``: the entry's canonical bytes, if
    already computed)."""
    if entry_text is None:
        entry_hash = record_hash(seq, prev_hash, received_at, entry)
    else:
        entry_hash = record_hash_of_text(seq, prev_hash, received_at, entry, entry_text)
    return Record(seq, prev_hash, received_at, entry, entry_hash)


def record_hash_of_text(
    seq: int, prev_hash: str, received_at: str, entry: object, entry_text: bytes
) -> str:
    """``record_hash`` from the entry's canonical bytes. Members of other types than a record
    has (a malformed stored record) take the full canonicalisation, which refuses or encodes
    them exactly."""
    if type(seq) is int and isinstance(prev_hash, str) and isinstance(received_at, str):
        return leaf_hash(leaf_bytes_of_text(seq, prev_hash, received_at, entry_text)).hex()
    return leaf_hash(leaf_bytes(seq, prev_hash, received_at, entry)).hex()


def record_from_json(data: JSONObject) -> Record:
    """Rebuild a record from its JSON form without checking its hash (see ``audit``)."""
    return Record(
        seq=data["seq"],
        prev_hash=data["prev_hash"],
        received_at=data["received_at"],
        entry=data["entry"],
        entry_hash=data["entry_hash"],
    )
