"""Building a lot's provenance bundle: every record its provenance rests on, with proofs.

Which records: the history of the lot and of every lot it was made from; the genesis; for
every party acting or named in them, its registration and key entries; the certificates of the
origin mines with their status changes; the authorisations of those parties; premium rate
versions; and the sale, payment and confirmation entries of every premium the lot inherits.
These are exactly the records the rules read when the bundle is replayed offline.
"""

from __future__ import annotations

import base64

from sqlalchemy import Engine

from app import checkpoints
from app.db import log
from app.db.store import SqlStore
from app.db.uow import reading
from ledger.bundle import FORMAT
from ledger.errors import LedgerError
from ledger.keys import PrivateKey


def _ancestry(store: SqlStore, lot_id: str) -> list[dict]:
    lot = store.get("lot", lot_id)
    if lot is None:
        raise LedgerError("unknown-lot", f"no lot {lot_id!r}", status=404)
    found, todo = {}, [lot]
    while todo:
        item = todo.pop()
        if item["id"] not in found:
            found[item["id"]] = item
            todo.extend(store.get("lot", parent) for parent in item["parents"])
    return list(found.values())


def _named_parties(entry: dict) -> set[str]:
    body = entry["body"]
    return {entry["actor"], *(body[k] for k in ("to", "buyer", "party_id") if k in body)}


def record_seqs(store: SqlStore, connection, lot_id: str) -> list[int]:
    """The seqs of every record the lot's provenance rests on."""
    lots = _ancestry(store, lot_id)
    seqs = {1} | {seq for lot in lots for seq in lot["history"]}
    obligations = [store.get("obligation", o) for lot in lots for o in lot["obligations"]]
    for obligation in obligations:
        seqs.add(obligation["sale_seq"])
        seqs.update(p["seq"] for p in obligation["payments"])
        seqs.update(c["seq"] for c in obligation["confirmations"])
    asmos = {a for lot in lots for a in lot["origin_asmos"]}
    for asmo in asmos:
        for certificate in store.find("certificate", "party", asmo):
            seqs.update(h["seq"] for h in certificate["history"])
    seqs.update(rate["set_seq"] for rate in store.all("rate"))
    parties: set[str] = set(asmos)
    done: set[int] = set()
    while seqs - done:
        for seq in sorted(seqs - done):
            done.add(seq)
            parties |= _named_parties(log.by_seq(connection, seq).entry)
        for party_id in sorted(parties):
            party = store.get("party", party_id)
            if party is None:
                continue
            seqs.add(party["registered_seq"])
            for key in store.find("key", "party", party_id):
                seqs.add(key["added_seq"])
                if key["revoked_seq"] is not None:
                    seqs.add(key["revoked_seq"])
            for authorisation in store.find("authorisation", "party", party_id):
                seqs.add(authorisation["granted_seq"])
                if authorisation["revoked_seq"] is not None:
                    seqs.add(authorisation["revoked_seq"])
    return sorted(seqs)


def build(engine: Engine, operator_key: PrivateKey, lot_id: str, max_age_seconds: int) -> dict:
    """The provenance bundle of ``lot_id`` against a checkpoint covering all its records."""
    with reading(engine) as connection:
        seqs = record_seqs(SqlStore(connection), connection, lot_id)
    checkpoint = checkpoints.fresh(engine, operator_key, max_age_seconds)
    if seqs[-1] > checkpoint.size:
        checkpoint = checkpoints.publish(engine, operator_key)
    size = checkpoint.size
    with reading(engine) as connection:
        records = [log.by_seq(connection, seq).to_json() for seq in seqs]
        proofs = {
            str(seq): [
                base64.b64encode(h).decode() for h in checkpoints.inclusion(connection, seq, size)
            ]
            for seq in seqs
        }
        verifier = checkpoints.verifier_key_text(connection)
    return {
        "format": FORMAT,
        "lot_id": lot_id,
        "checkpoint": checkpoint.note,
        "verifier_key": verifier,
        "records": records,
        "proofs": proofs,
    }
