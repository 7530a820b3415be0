"""Building a lot's provenance bundle: every record its provenance rests on, with proofs.

Which records: the history of the lot and of every lot it was made from; the genesis; for
every party acting or named in them, its registration and key entries; the certificates of the
origin mines with their status changes; every grant and revocation of those parties'
authorisations (each actor's standing is re-checked on its entry's day); premium rate
versions; and the sale, payment and confirmation entries of every premium the lot inherits.
Credits retired for a lot bring their batch's records and the lot they were issued against;
mass-balance draws bring the account's records and the lots deposited into it.
These are exactly the records the rules read when the bundle is replayed offline.
"""

from __future__ import annotations

import base64
import json

from flask import current_app
from sqlalchemy import Engine

from app import checkpoints, service
from app.db import log
from app.db.store import SqlStore
from app.db.uow import reading
from ledger import merkle
from ledger.bundle import FORMAT
from ledger.errors import LedgerError
from ledger.keys import PrivateKey
from ledger.record import Record


def _ancestry(store: SqlStore, lot_id: str, seqs: set[int]) -> list[dict]:
    """The lot, the lots it was made from, and the lots behind what backs any of them:
    the lot each retired credit batch was issued against, each lot deposited into a
    mass-balance account drawn from. Adds the credit batches' and accounts' records to
    ``seqs``."""
    lot = store.get("lot", lot_id)
    if lot is None:
        raise LedgerError("unknown-lot", f"no lot {lot_id!r}")
    found, todo = {}, [lot]
    while todo:
        item = todo.pop()
        if item["id"] in found:
            continue
        found[item["id"]] = item
        todo.extend(store.get("lot", parent) for parent in item["parents"])
        for retirement_id in item.get("credit_retirements", []):
            batch = store.get("credit_batch", store.get("retirement", retirement_id)["batch"])
            seqs.update(batch["history"])
            obligation = store.get("obligation", batch["obligation"])
            seqs.update(p["seq"] for p in obligation["payments"])
            seqs.update(c["seq"] for c in obligation["confirmations"])
            todo.append(store.get("lot", batch["lot"]))
        if item.get("deposited_to"):  # the account its metal went into must exist
            seqs.add(store.get("mb_account", item["deposited_to"])["opened_seq"])
        for draw in item.get("mass_balance_draws", []):
            account = store.get("mb_account", draw["account"])
            seqs.update(account["history"])
            todo.extend(
                store.get("lot", event["lot"])
                for event in account["events"]
                if event["kind"] == "deposit"
            )
    return list(found.values())


def _named_parties(entry: dict) -> set[str]:
    body = entry["body"]
    return {entry["actor"], *(body[k] for k in ("to", "buyer", "party_id") if k in body)}


def provenance_records(store: SqlStore, connection, lot_id: str) -> list[Record]:
    """Every record the lot's provenance rests on, in seq order."""
    seqs = {1}
    lots = _ancestry(store, lot_id, seqs)
    seqs |= {seq for lot in lots for seq in lot["history"]}
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
    found: dict[int, Record] = {}
    while missing := seqs - set(found):
        batch = log.by_seqs(connection, missing)
        if len(batch) != len(missing):
            raise LookupError(f"records missing from the log: {sorted(missing)[:5]}")
        for record in batch:
            found[record.seq] = record
            parties |= _named_parties(record.entry)
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
                # Every grant and revocation: standing is re-checked on each entry's day.
                seqs.update(authorisation.get("history") or [authorisation["granted_seq"]])
                if authorisation["revoked_seq"] is not None:
                    seqs.add(authorisation["revoked_seq"])
    return [found[seq] for seq in sorted(found)]


def build(engine: Engine, operator_key: PrivateKey, lot_id: str, max_age_seconds: int) -> dict:
    """The provenance bundle of ``lot_id`` against a checkpoint covering all its records."""
    with reading(engine) as connection:
        records = provenance_records(SqlStore(connection), connection, lot_id)
    checkpoint = checkpoints.fresh(engine, operator_key, max_age_seconds)
    if records[-1].seq > checkpoint.size:
        checkpoint = checkpoints.publish(engine, operator_key)
    seqs = [record.seq for record in records]
    with reading(engine) as connection:
        paths = merkle.inclusion_proofs_at(
            [seq - 1 for seq in seqs], checkpoint.size, log.SqlNodes(connection)
        )
        verifier = checkpoints.verifier_key_text(connection)
    proofs = {
        str(seq): [base64.b64encode(h).decode() for h in path]
        for seq, path in zip(seqs, paths, strict=True)
    }
    return {
        "format": FORMAT,
        "lot_id": lot_id,
        "checkpoint": checkpoint.note,
        "verifier_key": verifier,
        "records": [record.to_json() for record in records],
        "proofs": proofs,
    }


def cached_bundle(lot_id: str) -> tuple[str, dict]:
    """The lot's bundle as served (JSON text) and as a document, built once per checkpoint."""
    ledger = service.current()
    engine, key = ledger.engine, ledger.operator_key
    max_age = current_app.config["CHECKPOINT_MAX_AGE_SECONDS"]
    latest = checkpoints.fresh(engine, key, max_age)

    def make() -> tuple[str, dict]:
        document = build(engine, key, lot_id, max_age)
        return json.dumps(document, indent=1), document

    cache = ledger.bundles
    return cache.get_or_make(cache.key("bundle", lot_id, latest.size, latest.note), make)
