"""Submitting signed entries, and describing the entry types.

``POST /entries`` is the service's hot path. Its OpenAPI description comes from the
marshmallow schemas, but a request runs none of them: the core checks the envelope (once, with
the same patterns the schemas publish), and the answer is encoded straight to JSON (a view
that returns a ``Response`` bypasses flask-smorest's serialisation).
"""

from __future__ import annotations

import json

from flask import Response, current_app
from flask_smorest import Blueprint

from app import service
from app.jsonbody import json_body
from app.schemas import AppendedSchema, EntryTypeSchema, SubmissionSchema
from ledger.admission import REGISTRY

blp = Blueprint("entries", __name__, url_prefix="/api/v1", description="Signed entries")
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


@blp.route("/entries", methods=["POST"])
@blp.doc(
    requestBody={"required": True, "content": {"application/json": {"schema": SubmissionSchema}}}
)
@blp.response(201, AppendedSchema, description="appended")
@blp.alt_response(200, schema=AppendedSchema, description="already appended (same nonce)")
def submit() -> Response:
    """Append a signed entry. Resending the same entry returns the original record."""
    config = current_app.config
    result = service.current().appender.append(
        json_body(),
        skew=config["CLOCK_SKEW_SECONDS"],
        max_age=config["MAX_ENTRY_AGE_SECONDS"],
    )
    payload = {**result.record.to_json(), "flags": list(result.flags)}
    return Response(
        _encode(payload), status=201 if result.created else 200, mimetype="application/json"
    )


@blp.route("/entry-types", methods=["GET"])
@blp.response(200, EntryTypeSchema(many=True))
def entry_types():
    """Every entry type: who may state it and the JSON Schema of its body."""
    return [
        {"name": t.name, "summary": t.summary, "roles": sorted(t.roles), "body": t.body.schema()}
        for t in sorted(REGISTRY.values(), key=lambda t: t.name)
    ]
