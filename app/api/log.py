"""Reading the log: the head, a range of records, one record by seq or by hash."""

from __future__ import annotations

from flask_smorest import Blueprint, abort

from app import auth, service
from app.db import log
from app.db.uow import reading
from app.schemas import HeadSchema, LogPageSchema, LogQuerySchema, RecordSchema

blp = Blueprint("log", __name__, url_prefix="/api/v1/log", description="The hash-chained log")


@blp.route("/head", methods=["GET"])
@blp.response(200, HeadSchema)
def head():
    """The log's size and the hash of its last record."""
    with reading(service.current().engine) as connection:
        size, head_hash = log.head(connection)
    return {"size": size, "head_hash": head_hash}


@blp.route("", methods=["GET"])
@blp.arguments(LogQuerySchema, location="query")
@blp.response(200, LogPageSchema)
def records(query):
    """Records from ``start`` on, at most ``limit`` of them (ARM, the operator, certifiers)."""
    auth.require(roles={"certifier"})
    with reading(service.current().engine) as connection:
        found = log.page(connection, query["start"], query["limit"])
        size, _ = log.head(connection)
    last = found[-1].seq if found else None
    following = last + 1 if last is not None and last < size else None
    return {"records": [r.to_json() for r in found], "next": following}


@blp.route("/<int:seq>", methods=["GET"])
@blp.response(200, RecordSchema)
def by_seq(seq: int):
    """One record by its sequence number (ARM, the operator, certifiers)."""
    auth.require(roles={"certifier"})
    with reading(service.current().engine) as connection:
        record = log.by_seq(connection, seq)
    if record is None:
        abort(404, message=f"no record {seq}")
    return record.to_json()


@blp.route("/by-hash/<string:entry_hash>", methods=["GET"])
@blp.response(200, RecordSchema)
def by_hash(entry_hash: str):
    """One record by its ``entry_hash`` (ARM, the operator, certifiers)."""
    auth.require(roles={"certifier"})
    with reading(service.current().engine) as connection:
        record = log.by_hash(connection, entry_hash.lower())
    if record is None:
        abort(404, message=f"no record with hash {entry_hash}")
    return record.to_json()
