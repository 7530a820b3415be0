"""A lot's history, and its ancestry back to the mines, as a GS1 EPCIS 2.0 JSON-LD document.

Identifiers. These lots carry no GS1 company prefix, so neither EPC URNs (``urn:epc:...``) nor
GS1 Digital Link apply, and an unregistered URN namespace would not be a valid URN. Following
CBV 2.0's rule for non-GS1 identifiers (HTTP URLs under a domain the issuer controls), every
identifier is an HTTPS URL under the ledger operator's domain ``D``:

    https://D/id/lot/<lot_id>           a lot, as a class-level identifier (``epcClass``): a lot
                                        is an amount of metal, reported in quantity lists
    https://D/id/party/<party_id>       a party (owning or possessing party in source and
                                        destination lists)
    https://D/id/loc/<party_id>         the party's premises (``readPoint``, ``bizLocation``)
    https://D/id/sale/<sale_id>         a sale (``bizTransaction``); prices are never exported
    https://D/id/transformation/<seq>   a split, merge, refining or alloying (``transformationID``)
    https://D/voc/                      the ``gl:`` prefix of the ILMD extension members

``eventID`` is ``ni:///sha-256;<entry_hash>``: the ledger record the event comes from, which
``GET /api/v1/log/by-hash/<entry_hash>`` returns with its signature. It is deliberately not
suffixed ``?ver=CBV2.0``: it is not the CBV event hash of the event's canonical form.
``eventTime`` is the signer's ``created_at``, ``recordTime`` the ledger's ``received_at`` (both
UTC). Quantities are integer milligrams (UN/ECE Recommendation 20 code ``MGM``) of the lot's
gross mass at that event, replayed from the records.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ledger.projections import JSONObject

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
UOM_MG = "MGM"
TRANSFORMATIONS = ("lot.refined", "lot.split", "lot.merged", "lot.alloyed")
WEIGHINGS = ("lot.registered", "lot.received", "lot.weight_reconciled", "lot.corrected")


class _Ids:
    def __init__(self, domain: str):
        self.base = f"https://{domain}/id"
        self.voc = f"https://{domain}/voc/"

    def lot(self, lot_id: str) -> str:
        return f"{self.base}/lot/{lot_id}"

    def party(self, party_id: str) -> str:
        return f"{self.base}/party/{party_id}"

    def loc(self, party_id: str) -> str:
        return f"{self.base}/loc/{party_id}"


def consumed(records: Iterable[JSONObject]) -> set[str]:
    """The lots that the splits, merges and refinings among ``records`` consume."""
    found = set()
    for record in records:
        entry = record["entry"]
        if entry["type"] in ("lot.split", "lot.alloyed"):
            found.add(entry["body"]["lot_id"])
        elif entry["type"] in TRANSFORMATIONS:
            found.update(i["lot_id"] for i in entry["body"]["inputs"])
    return found


def document(
    records: Iterable[JSONObject], *, domain: str, created: str, masses: Mapping[str, int]
) -> JSONObject:
    """An EPCISDocument with one event per record (records as ``Record.to_json()``), in
    ``seq`` order. ``records`` hold every record of the exported lots; ``masses`` gives the
    gross mass of every lot they consume (a consumed lot's final ``gross_mg``), which covers
    inputs whose own history is not exported (another lot refined together with an ancestor)."""
    ids = _Ids(domain)
    exporter = _Exporter(ids, masses)
    events = [exporter.event(r) for r in sorted(records, key=lambda r: r["seq"])]
    return {
        "@context": [EPCIS_CONTEXT, {"gl": ids.voc}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": created,
        "epcisBody": {"eventList": events},
    }


class _Exporter:
    """Replays records to know each lot's mass and custody at every event."""

    def __init__(self, ids: _Ids, masses: Mapping[str, int]):
        self.ids = ids
        self.mass = dict(masses)  # replayed events overwrite these as they come
        self.sender: dict[str, str] = {}

    def quantity(self, lot_id: str) -> JSONObject:
        return {"epcClass": self.ids.lot(lot_id), "quantity": self.mass[lot_id], "uom": UOM_MG}

    def event(self, record: JSONObject) -> JSONObject:
        entry = record["entry"]
        head = {
            "eventTime": entry["created_at"],
            "eventTimeZoneOffset": "+00:00",
            "recordTime": record["received_at"],
            "eventID": f"ni:///sha-256;{record['entry_hash']}",
        }
        kind = entry["type"]
        if kind in TRANSFORMATIONS:
            return {"type": "TransformationEvent", **head, **self.transformation(record)}
        if kind == "lot.sold":
            return {"type": "TransactionEvent", **head, **self.sale(record)}
        return {"type": "ObjectEvent", **head, **self.object(entry)}

    def object(self, entry: JSONObject) -> JSONObject:
        kind, actor, body = entry["type"], entry["actor"], entry["body"]
        lot_id = body["lot_id"]
        if kind in WEIGHINGS:
            self.mass[lot_id] = body["gross_mg"]
        where = {"id": self.ids.loc(actor)}
        event = {"quantityList": [self.quantity(lot_id)], "readPoint": where, "bizLocation": where}
        if kind == "lot.registered":
            return {
                "action": "ADD",
                "bizStep": "commissioning",
                "disposition": "active",
                **event,
                "ilmd": _ilmd(body),
            }
        if kind == "lot.shipped":
            self.sender[lot_id] = actor
            del event["bizLocation"]  # in transit: at no business location
            return {
                "action": "OBSERVE",
                "bizStep": "shipping",
                "disposition": "in_transit",
                **event,
                **self.custody(actor, body["to"]),
            }
        if kind == "lot.received":
            return {
                "action": "OBSERVE",
                "bizStep": "receiving",
                "disposition": "active",
                **event,
                **self.custody(self.sender.pop(lot_id), actor),
            }
        if kind == "lot.retired":
            return {**_retirement(body["reason"]), **event}
        step = "inspecting" if kind == "lot.assayed" else "other"  # assayed or claimed
        return {"action": "OBSERVE", "bizStep": step, **event}

    def custody(self, sender: str, recipient: str, kind: str = "possessing_party") -> JSONObject:
        """Source and destination lists: who hands the lot over and who takes it."""
        return {
            "sourceList": [{"type": kind, "source": self.ids.party(sender)}],
            "destinationList": [{"type": kind, "destination": self.ids.party(recipient)}],
        }

    def sale(self, record: JSONObject) -> JSONObject:
        entry = record["entry"]
        body = entry["body"]
        return {
            "action": "ADD",
            "bizStep": "other",
            "quantityList": [self.quantity(body["lot_id"])],
            "bizTransactionList": [
                {"bizTransaction": f"{self.ids.base}/sale/SALE-{record['seq']}"}
            ],
            "readPoint": {"id": self.ids.loc(entry["actor"])},
            **self.custody(entry["actor"], body["buyer"], "owning_party"),
        }

    def transformation(self, record: JSONObject) -> JSONObject:
        entry = record["entry"]
        kind, body = entry["type"], entry["body"]
        if kind == "lot.split":
            inputs, outputs = [body["lot_id"]], body["outputs"]
        elif kind == "lot.alloyed":
            inputs, outputs = [body["lot_id"]], [body["output"]]
        elif kind == "lot.merged":
            inputs = [i["lot_id"] for i in body["inputs"]]
            merged = sum(self.mass[i] for i in inputs)
            outputs = [{"lot_id": body["output"]["lot_id"], "gross_mg": merged}]
        else:
            inputs, outputs = [i["lot_id"] for i in body["inputs"]], body["outputs"]
        consumed = [self.quantity(i) for i in inputs]
        for output in outputs:
            self.mass[output["lot_id"]] = output["gross_mg"]
        return {
            "inputQuantityList": consumed,
            "outputQuantityList": [self.quantity(o["lot_id"]) for o in outputs],
            "transformationID": f"{self.ids.base}/transformation/{record['seq']}",
            "bizStep": "commissioning",
            "disposition": "active",
            "readPoint": {"id": self.ids.loc(entry["actor"])},
            "bizLocation": {"id": self.ids.loc(entry["actor"])},
        }


def _ilmd(body: JSONObject) -> JSONObject:
    """What the mine states about a lot it registers (fineness in parts per 10,000)."""
    return {
        "gl:metal": body["metal"],
        "gl:form": body["form"],
        "gl:fineness": body["fineness"],
        "gl:claim": body["claim"],
        "gl:mineSite": body["mine_site"],
    }


def _retirement(reason: str) -> JSONObject:
    """A sale to a consumer is a retail sale; loss or recycling decommissions the lot."""
    if reason == "sold_to_consumer":
        return {"action": "OBSERVE", "bizStep": "retail_selling", "disposition": "retail_sold"}
    return {"action": "DELETE", "bizStep": "decommissioning", "disposition": "inactive"}
