"""Registered parties and their keys."""

from __future__ import annotations

from flask_smorest import Blueprint, abort

from app import db
from app.db.store import SqlStore
from app.db.uow import reading
from app.schemas import PartySchema

blp = Blueprint("parties", __name__, url_prefix="/api/v1/parties", description="Parties and keys")


def _with_keys(store: SqlStore, party: dict) -> dict:
    return {**party, "keys": store.find("key", "party", party["id"])}


@blp.route("", methods=["GET"])
@blp.response(200, PartySchema(many=True))
def parties():
    """Every registered party with its keys."""
    with reading(db.get_engine()) as connection:
        store = SqlStore(connection)
        return [_with_keys(store, p) for p in store.all("party")]


@blp.route("/<string:party_id>", methods=["GET"])
@blp.response(200, PartySchema)
def party(party_id: str):
    """One party with its keys (active and revoked)."""
    with reading(db.get_engine()) as connection:
        store = SqlStore(connection)
        found = store.get("party", party_id)
        if found is None:
            abort(404, message=f"no party {party_id!r}")
        return _with_keys(store, found)
