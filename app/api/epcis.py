"""GS1 EPCIS 2.0 export of a lot: its history and its ancestry back to the mines."""

from __future__ import annotations

import functools
import json

from flask import Response, current_app
from flask_smorest import Blueprint

from app import auth, service
from app.db import log
from app.db.store import SqlStore
from app.db.uow import reading
from ledger import epcis
from ledger.timefmt import now

blp = Blueprint("epcis", __name__, url_prefix="/api/v1", description="GS1 EPCIS 2.0 export")

MEDIA_TYPE = "application/ld+json"


def identifier_domain() -> str:
    """The operator's domain, from the log origin (``gold-ledger.example/log``)."""
    return current_app.config["LEDGER_ORIGIN"].split("/", 1)[0]


@blp.route("/lots/<string:lot_id>/epcis", methods=["GET"])
@blp.response(200, description="an EPCISDocument (JSON-LD), one event per record, oldest first")
@blp.doc(
    responses={
        "200": {
            "description": "an EPCISDocument (JSON-LD), one event per record, oldest first",
            "content": {
                MEDIA_TYPE: {
                    "schema": {
                        "type": "object",
                        "description": "GS1 EPCIS 2.0 EPCISDocument (https://ref.gs1.org/standards/epcis/)",
                    }
                }
            },
        }
    }
)
def lot_epcis(lot_id: str):
    """The lot's history and that of every lot it descends from, as EPCIS 2.0 events:
    registration, shipping and receiving as ObjectEvents, splits, merges and refining as
    TransformationEvents, sales as TransactionEvents (without prices). Quantities are integer
    milligrams (``MGM``); identifiers are HTTPS URLs under the operator's domain."""
    auth.authenticated()
    with reading(service.current().engine) as connection:
        store = SqlStore(connection)
        get = functools.partial(store.get, "lot")
        lot = auth.readable_lot(store, lot_id)
        lots = {found["id"]: found for found in epcis.ancestry(lot, get)}
        seqs = sorted({seq for found in lots.values() for seq in found["history"]})
        records = [record.to_json() for record in log.by_seqs(connection, seqs)]
        masses = {i: (lots.get(i) or get(i))["gross_mg"] for i in epcis.consumed(records)}
    document = epcis.document(records, domain=identifier_domain(), created=now(), masses=masses)
    response = Response(json.dumps(document, ensure_ascii=False), mimetype=MEDIA_TYPE)
    response.headers["GS1-EPCIS-Version"] = "2.0"
    response.headers["GS1-CBV-Version"] = "2.0"
    return response
