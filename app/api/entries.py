"""Submitting signed entries, and describing the entry types."""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from app import db
from app.appender import append
from app.jsonbody import json_body
from app.schemas import AppendedSchema, EntryTypeSchema, SubmissionSchema
from ledger.machine import REGISTRY

blp = Blueprint("entries", __name__, url_prefix="/api/v1", description="Signed entries")
_SUBMISSION = SubmissionSchema()


@blp.route("/entries", methods=["POST"])
@blp.doc(
    requestBody={"required": True, "content": {"application/json": {"schema": SubmissionSchema}}}
)
@blp.response(201, AppendedSchema, description="appended")
@blp.alt_response(200, schema=AppendedSchema, description="already appended (same nonce)")
def submit():
    """Append a signed entry. Resending the same entry returns the original record."""
    document = json_body()
    _SUBMISSION.load(document)  # the envelope's shape; the core checks it all again
    result = append(
        db.get_engine(),
        document,
        skew=current_app.config["CLOCK_SKEW_SECONDS"],
        max_age=current_app.config["MAX_ENTRY_AGE_SECONDS"],
    )
    payload = {**result.record.to_json(), "flags": list(result.flags)}
    return payload, 201 if result.created else 200


@blp.route("/entry-types", methods=["GET"])
@blp.response(200, EntryTypeSchema(many=True))
def entry_types():
    """Every entry type: who may state it and the JSON Schema of its body."""
    return [
        {"name": t.name, "summary": t.summary, "roles": sorted(t.roles), "body": t.body.schema()}
        for t in sorted(REGISTRY.values(), key=lambda t: t.name)
    ]
