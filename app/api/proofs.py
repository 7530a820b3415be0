"""Public verification endpoints: checkpoints, the verifier key, inclusion and consistency
proofs, and witness cosignatures."""

from __future__ import annotations

import base64

from flask import Response, current_app, request
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from app import auth, checkpoints, provenance, service
from app.db import log
from app.db.store import SqlStore
from app.db.uow import reading
from app.schemas import BIGINT_MAX

blp = Blueprint("proofs", __name__, url_prefix="/api/v1", description="Checkpoints and proofs")


def _b64(items: list[bytes]) -> list[str]:
    return [base64.b64encode(item).decode() for item in items]


def _text(body: str) -> Response:
    return Response(body, mimetype="text/plain", content_type="text/plain; charset=utf-8")


def latest_checkpoint() -> checkpoints.Stored:
    """The latest signed checkpoint, refreshed per ``CHECKPOINT_MAX_AGE_SECONDS``."""
    ledger = service.current()
    max_age = current_app.config["CHECKPOINT_MAX_AGE_SECONDS"]
    return checkpoints.fresh(ledger.engine, ledger.operator_key, max_age)


@blp.route("/checkpoint", methods=["GET"])
@blp.response(200, description="the latest signed checkpoint (C2SP signed note, text/plain)")
def checkpoint():
    """The latest checkpoint, signed by the operator, with any witness cosignatures."""
    return _text(latest_checkpoint().note)


@blp.route("/checkpoints/<int:size>", methods=["GET"])
@blp.response(200, description="the signed checkpoint of that size (text/plain)")
def checkpoint_at(size: int):
    """A stored checkpoint by tree size."""
    with reading(service.current().engine) as connection:
        stored = checkpoints.at_size(connection, size)
    if stored is None:
        abort(404, message=f"no checkpoint of size {size}")
    return _text(stored.note)


@blp.route("/checkpoints/<int:size>/cosignatures", methods=["POST"])
@blp.doc(requestBody={"required": True, "content": {"text/plain": {"schema": {"type": "string"}}}})
@blp.response(200, description="the checkpoint with every stored cosignature (text/plain)")
def cosign(size: int):
    """A witness (ARM) submits its cosigned copy of checkpoint ``size``."""
    if request.mimetype != "text/plain":
        abort(415, message="send the cosigned note as text/plain")
    note = request.get_data(as_text=True)
    stored = checkpoints.add_cosignature(service.current().engine, size, note)
    return _text(stored.note)


@blp.route("/verifier-key", methods=["GET"])
@blp.response(200, description="the operator's signed-note verifier key (text/plain)")
def verifier_key():
    """The operator's verifier key: ``name+hash+base64(0x01||key)``."""
    with reading(service.current().engine) as connection:
        return _text(checkpoints.verifier_key_text(connection) + "\n")


class InclusionQuery(Schema):
    size = fields.Integer(
        validate=validate.Range(min=1, max=BIGINT_MAX),
        metadata={"description": "the size of a signed checkpoint (default: the latest)"},
    )


class InclusionSchema(Schema):
    seq = fields.Integer(required=True)
    leaf_index = fields.Integer(required=True)
    tree_size = fields.Integer(required=True)
    entry_hash = fields.String(required=True)
    root = fields.String(required=True, metadata={"description": "base64"})
    proof = fields.List(fields.String(), required=True, metadata={"description": "base64"})
    checkpoint = fields.String(
        required=True, metadata={"description": "the signed checkpoint the proof hangs on"}
    )


def _signed(connection, size: int) -> checkpoints.Stored:
    stored = checkpoints.at_size(connection, size)
    if stored is None:
        abort(404, message=f"no signed checkpoint of size {size}")
    return stored


@blp.route("/proofs/inclusion/<int:seq>", methods=["GET"])
@blp.arguments(InclusionQuery, location="query")
@blp.response(200, InclusionSchema)
def inclusion(query, seq: int):
    """Inclusion proof of record ``seq`` (leaf ``seq - 1``) in the tree of a signed checkpoint
    (``size``, default the latest), served with that checkpoint: proofs and roots exist only
    for trees the operator signed."""
    size = query.get("size") or latest_checkpoint().size
    with reading(service.current().engine) as connection:
        stored = _signed(connection, size)
        record = log.by_seq(connection, seq)
        if record is None or not seq <= size:
            abort(404, message=f"no record {seq} in the tree of size {size}")
        proof = checkpoints.inclusion(connection, seq, size)
    return {
        "seq": seq,
        "leaf_index": seq - 1,
        "tree_size": size,
        "entry_hash": record.entry_hash,
        "root": _b64([stored.root])[0],
        "proof": _b64(proof),
        "checkpoint": stored.note,
    }


class ConsistencyQuery(Schema):
    first = fields.Integer(
        required=True, data_key="from", validate=validate.Range(min=1, max=BIGINT_MAX)
    )
    second = fields.Integer(
        required=True, data_key="to", validate=validate.Range(min=1, max=BIGINT_MAX)
    )


class ConsistencySchema(Schema):
    size1 = fields.Integer(required=True)
    size2 = fields.Integer(required=True)
    proof = fields.List(fields.String(), required=True, metadata={"description": "base64"})


@blp.route("/proofs/consistency", methods=["GET"])
@blp.arguments(ConsistencyQuery, location="query")
@blp.response(200, ConsistencySchema)
def consistency(query):
    """Consistency proof between the trees of two signed checkpoints, ``from`` and ``to``."""
    first, second = query["first"], query["second"]
    with reading(service.current().engine) as connection:
        if first > second:
            abort(404, message="need from <= to")
        _signed(connection, first)
        _signed(connection, second)
        proof = checkpoints.consistency(connection, first, second)
    return {"size1": first, "size2": second, "proof": _b64(proof)}


@blp.route("/lots/<string:lot_id>/bundle", methods=["GET"])
@blp.response(200, description="the lot's provenance bundle (JSON; verify with ledger.verify)")
def bundle(lot_id: str):
    """Everything needed to verify the lot's provenance offline.

    Public for published, claimed and retired lots; other lots only for their readers
    (404 alike for a lot that does not exist and one the caller may not see).
    """
    with reading(service.current().engine) as connection:
        auth.viewable_lot(SqlStore(connection), lot_id)
    text, _ = provenance.cached_bundle(lot_id)
    response = Response(text, mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{lot_id}.bundle.json"'
    return response
