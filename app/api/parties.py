"""Registered parties and their keys."""

from __future__ import annotations

from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields

from app import auth, service
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
    with reading(service.current().engine) as connection:
        store = SqlStore(connection)
        return [_with_keys(store, p) for p in store.all("party")]


@blp.route("/<string:party_id>", methods=["GET"])
@blp.response(200, PartySchema)
def party(party_id: str):
    """One party with its keys (active and revoked)."""
    with reading(service.current().engine) as connection:
        store = SqlStore(connection)
        found = store.get("party", party_id)
        if found is None:
            abort(404, message=f"no party {party_id!r}")
        return _with_keys(store, found)


class TokenSchema(Schema):
    id = fields.String(required=True)
    label = fields.String(allow_none=True)
    expires_at = fields.String(required=True)
    key_id = fields.String(
        allow_none=True, metadata={"description": "the key that signed its issue"}
    )
    issued_seq = fields.Integer(required=True)
    revoked_seq = fields.Integer(allow_none=True)


class TokenListSchema(Schema):
    items = fields.List(fields.Nested(TokenSchema), required=True)


@blp.route("/<string:party_id>/tokens", methods=["GET"])
@blp.response(200, TokenListSchema)
def tokens(party_id: str):
    """The party's API tokens (never their secrets), for the party itself and ARM. Revoke one
    with a signed ``token.revoked`` entry; a token also dies with the key that issued it."""
    auth.require(parties={party_id})
    with reading(service.current().engine) as connection:
        store = SqlStore(connection)
        if store.get("party", party_id) is None:
            abort(404, message=f"no party {party_id!r}")
        return {"items": store.find("token", "party", party_id)}
