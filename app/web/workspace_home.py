"""What a party's workspace home shows: lots coming to it, lots it holds, premiums it owes or
is owed, its latest entries, and findings on lots it holds or last held, receives or mined."""

from __future__ import annotations

from sqlalchemy import Connection, select

from app.db.store import SqlStore
from app.db.tables import records
from ledger.premium_state import settled

RECENT = 12


def recent_entries(connection: Connection, party_id: str) -> list[dict]:
    """The party's latest entries, newest first."""
    rows = connection.execute(
        select(records.c.seq, records.c.type, records.c.received_at, records.c.entry_hash)
        .where(records.c.actor == party_id)
        .order_by(records.c.seq.desc())
        .limit(RECENT)
    )
    return [row._asdict() for row in rows]


def _premiums(store: SqlStore, party_id: str) -> tuple[list[dict], list[dict]]:
    """(owed to the party as a mine, owed by the party as payer), unsettled first."""

    def order(o: dict) -> tuple:
        return (settled(o), o["id"])

    owed_to = sorted(store.find("obligation", "asmo", party_id), key=order)
    owed_by = sorted(store.find("obligation", "payer", party_id), key=order)
    return owed_to, owed_by


def home(connection: Connection, party: dict) -> dict:
    """Everything on the home page of ``party``."""
    store = SqlStore(connection)
    party_id = party["id"]
    incoming = store.find("lot", "incoming_to", party_id)
    held = store.find("lot", "holder", party_id)  # a consumed lot keeps its last holder
    holdings = [lot for lot in held if lot["status"] == "held"]
    mined = store.find("lot", "origin_asmos", party_id) if "asmo" in party["roles"] else []
    watched = {lot["id"] for lot in (*incoming, *held, *mined)}
    findings = [f for lot_id in sorted(watched) for f in store.find("finding", "lot", lot_id)]
    if "arm" in party["roles"]:
        findings = store.all("finding")
    owed_to, owed_by = _premiums(store, party_id)
    return {
        "incoming": incoming,
        "holdings": holdings,
        "owed_to": owed_to,
        "owed_by": owed_by,
        "recent": recent_entries(connection, party_id),
        "findings": sorted(findings, key=lambda f: f.get("seq", 0), reverse=True)[:RECENT],
        "names": {p["id"]: p["name"] for p in store.all("party")},
    }
