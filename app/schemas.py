"""Marshmallow schemas of the API, the entry envelope's constraints taken from the core."""

from __future__ import annotations

from marshmallow import Schema, fields, validate
from werkzeug.routing import IntegerConverter

from ledger.entry import ENVELOPE
from ledger.fields import Instant, Str
from ledger.timefmt import INSTANT_PATTERN


def _from_core(member) -> fields.Field:
    """A marshmallow field carrying a core string member's constraints."""
    checks = []
    if isinstance(member, Str):
        checks.append(validate.Length(member.min_len, member.max_len))
        if member.pattern:
            checks.append(validate.Regexp(f"^{member.pattern}$"))
    elif isinstance(member, Instant):
        checks.append(validate.Regexp(INSTANT_PATTERN))
    return fields.String(
        required=True, validate=checks, metadata={"description": member.description}
    )


class EntrySchema(Schema):
    """A signed entry, as a party submits it."""

    type = _from_core(ENVELOPE.members["type"])
    actor = _from_core(ENVELOPE.members["actor"])
    key_id = _from_core(ENVELOPE.members["key_id"])
    created_at = _from_core(ENVELOPE.members["created_at"])
    nonce = _from_core(ENVELOPE.members["nonce"])
    body = fields.Dict(
        required=True,
        metadata={
            "description": "type-specific content; see GET /api/v1/entry-types for each schema"
        },
    )
    signature = _from_core(ENVELOPE.members["signature"])


class SubmissionSchema(EntrySchema):
    """A signed entry as submitted, with unsigned private data beside it where its type takes
    some (a sale's price terms, bound by the signed ``terms_commitment``)."""

    private = fields.Dict(
        metadata={"description": "unsigned private data, kept out of the public log"}
    )


class RecordSchema(Schema):
    """An appended entry with its place in the chain."""

    seq = fields.Integer(required=True)
    prev_hash = fields.String(required=True)
    received_at = fields.String(required=True)
    entry = fields.Nested(EntrySchema, required=True)
    entry_hash = fields.String(
        required=True, metadata={"description": "RFC 6962 leaf hash of the record, hex"}
    )


class AppendedSchema(RecordSchema):
    """The appended record, plus findings the rules raised (not part of the hashed record)."""

    flags = fields.List(fields.String(), required=True)


class HeadSchema(Schema):
    size = fields.Integer(required=True)
    head_hash = fields.String(required=True)


# The largest seq or tree size a BIGINT column holds; larger numbers must never reach a query.
BIGINT_MAX = 2**63 - 1


class BigIntConverter(IntegerConverter):
    """``<int:...>`` path segments: ASCII digits only (``\\d`` also matches other scripts'
    digits) and at most ``BIGINT_MAX``; anything else does not match the route (404)."""

    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits=0, min=None, max=BIGINT_MAX, signed=False):
        super().__init__(map, fixed_digits, min, max, signed)


class LogQuerySchema(Schema):
    start = fields.Integer(load_default=1, validate=validate.Range(min=1, max=BIGINT_MAX))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


class LogPageSchema(Schema):
    records = fields.List(fields.Nested(RecordSchema), required=True)
    next = fields.Integer(
        allow_none=True,
        required=True,
        metadata={"description": "start of the next page, or null at the head"},
    )


class KeySchema(Schema):
    id = fields.String(required=True)
    public_key = fields.String(required=True)
    valid_from = fields.String(required=True)
    added_seq = fields.Integer(required=True)
    revoked_at = fields.String(allow_none=True, required=True)
    revoked_seq = fields.Integer(allow_none=True, required=True)


class PartySchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    country = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)
    activities = fields.List(fields.String())
    location = fields.String(allow_none=True)
    registered_seq = fields.Integer(required=True)
    keys = fields.List(fields.Nested(KeySchema))


class EntryTypeSchema(Schema):
    name = fields.String(required=True)
    summary = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)
    body = fields.Dict(required=True, metadata={"description": "JSON Schema of the body"})
