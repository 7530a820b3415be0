"""Reads for each user: a lot's state and history, a party's holdings, incoming lots,
premium obligations and certificates."""

from __future__ import annotations

from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields

from app import auth, service
from app.db import log
from app.db.store import SqlStore
from app.db.uow import reading
from app.schemas import RecordSchema

blp = Blueprint("lots", __name__, url_prefix="/api/v1", description="Lots, holdings, premiums")


class LotHistorySchema(Schema):
    lot = fields.Dict(required=True, metadata={"description": "the lot's current state"})
    history = fields.List(fields.Nested(RecordSchema), required=True)


class StateListSchema(Schema):
    items = fields.List(fields.Dict(), required=True)


def _party_or_404(store: SqlStore, party_id: str) -> None:
    if store.get("party", party_id) is None:
        abort(404, message=f"no party {party_id!r}")


@blp.route("/lots/<string:lot_id>", methods=["GET"])
@blp.response(200, LotHistorySchema)
def lot(lot_id: str):
    """A lot's current state and every record that acted on it, oldest first.

    Readable by the lot's custodians and origin mines, their certification bodies, and ARM.
    """
    auth.authenticated()  # anonymous callers learn nothing, not even whether the lot exists
    with reading(service.current().engine) as connection:
        store = SqlStore(connection)
        found = auth.readable_lot(store, lot_id)
        history = [record.to_json() for record in log.by_seqs(connection, found["history"])]
    return {"lot": found, "history": history}


def _listing(kind: str, attr: str, party_id: str) -> dict:
    auth.require(parties={party_id})
    with reading(service.current().engine) as connection:
        store = SqlStore(connection)
        _party_or_404(store, party_id)
        return {"items": store.find(kind, attr, party_id)}


@blp.route("/parties/<string:party_id>/holdings", methods=["GET"])
@blp.response(200, StateListSchema)
def holdings(party_id: str):
    """Lots the party holds (including lots it has shipped that are not yet received)."""
    return _listing("lot", "holder", party_id)


@blp.route("/parties/<string:party_id>/incoming", methods=["GET"])
@blp.response(200, StateListSchema)
def incoming(party_id: str):
    """Lots in transit to the party (a refiner's incoming lots)."""
    return _listing("lot", "incoming_to", party_id)


@blp.route("/parties/<string:party_id>/certificates", methods=["GET"])
@blp.response(200, StateListSchema)
def certificates(party_id: str):
    """The party's Fairmined certificates and their status history (public)."""
    with reading(service.current().engine) as connection:
        store = SqlStore(connection)
        _party_or_404(store, party_id)
        return {"items": store.find("certificate", "party", party_id)}


@blp.route("/parties/<string:party_id>/premiums", methods=["GET"])
@blp.response(200, StateListSchema)
def premiums(party_id: str):
    """Premium obligations owed to the party (as ASMO) or by it (as buyer)."""
    auth.require(parties={party_id})
    with reading(service.current().engine) as connection:
        store = SqlStore(connection)
        _party_or_404(store, party_id)
        owed = {o["id"]: o for o in store.find("obligation", "asmo", party_id)}
        owed.update({o["id"]: o for o in store.find("obligation", "payer", party_id)})
    return {"items": [owed[k] for k in sorted(owed)]}


@blp.route("/premiums/<string:obligation_id>", methods=["GET"])
@blp.response(200, description="the obligation: due, paid, confirmed (minor units)")
def obligation(obligation_id: str):
    """One premium obligation with its payments and confirmations (its mine, its payer, ARM)."""
    party = auth.authenticated()
    with reading(service.current().engine) as connection:
        found = SqlStore(connection).get("obligation", obligation_id)
    if found is None or not auth.may_read(party, {found["asmo"], found["payer"]}):
        raise auth.not_found(f"premium obligation {obligation_id!r}")
    return found
