"""Liveness: a trivial JSON endpoint (also the ceiling the append benchmark compares against)."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields

blp = Blueprint("health", __name__, url_prefix="/api/v1", description="Service health")


class HealthSchema(Schema):
    status = fields.String(required=True)


@blp.route("/healthz", methods=["GET"])
@blp.response(200, HealthSchema)
def healthz():
    """Always ``{"status": "ok"}`` while the process serves requests; touches no database."""
    return {"status": "ok"}
