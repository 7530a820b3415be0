"""EPCIS 2.0 export of hand-made records, validated against GS1's JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft7Validator

from ledger import epcis

SCHEMA = Path(__file__).resolve().parents[1] / "data" / "epcis" / "epcis-json-schema.json"
DOMAIN = "gold-ledger.example"
ID = f"https://{DOMAIN}/id"


@pytest.fixture(scope="module")
def validator() -> Draft7Validator:
    schema = json.loads(SCHEMA.read_text())
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


def assert_valid(validator: Draft7Validator, document: dict) -> None:
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message[:200]}" for e in errors]


def record(seq: int, type: str, actor: str, body: dict) -> dict:
    return {
        "seq": seq,
        "prev_hash": f"{seq - 1:064x}",
        "received_at": f"2026-03-01T10:00:{seq:02d}.123456Z",
        "entry": {
            "type": type,
            "actor": actor,
            "key_id": "k" * 16,
            "created_at": f"2026-03-01T10:00:{seq:02d}Z",
            "nonce": "n" * 16,
            "body": body,
            "signature": "s" * 88,
        },
        "entry_hash": f"{seq:064x}",
    }


def registered(seq, lot_id, asmo, gross_mg):
    body = {
        "lot_id": lot_id,
        "metal": "gold",
        "form": "dore",
        "gross_mg": gross_mg,
        "fineness": 8800,
        "claim": "ecological",
        "mine_site": "Vereda El Tambo",
        "production_from": "2026-01-01",
        "production_to": "2026-02-01",
        "processing": {"mercury": False, "cyanide": False, "gravimetric_only": True},
    }
    return record(seq, "lot.registered", asmo, body)


HEAD = "a" * 64
RECORDS = [
    registered(1, "DORE-A", "asmo-one", 1_000_000),
    record(2, "lot.sold", "asmo-one", {"lot_id": "DORE-A", "lot_head": HEAD, "buyer": "fab"}),
    record(3, "lot.shipped", "asmo-one", {"lot_id": "DORE-A", "lot_head": HEAD, "to": "fab"}),
    record(4, "lot.received", "fab", {"lot_id": "DORE-A", "lot_head": HEAD, "gross_mg": 999_000}),
    registered(5, "DORE-B", "asmo-two", 500_000),
    record(
        6,
        "lot.merged",
        "fab",
        {
            "inputs": [
                {"lot_id": "DORE-A", "lot_head": HEAD},
                {"lot_id": "DORE-B", "lot_head": HEAD},
            ],
            "output": {"lot_id": "MIX-1", "form": "dore"},
        },
    ),
    record(
        7,
        "lot.assayed",
        "fab",
        {"lot_id": "MIX-1", "lot_head": HEAD, "fineness": 8750, "kind": "final", "laboratory": "L"},
    ),
    record(
        8,
        "lot.refined",
        "refiner",
        {
            "inputs": [{"lot_id": "MIX-1", "lot_head": HEAD}],
            "outputs": [
                {"lot_id": "BAR-1", "form": "bar", "gross_mg": 1_300_000, "fineness": 9999}
            ],
        },
    ),
    record(
        9,
        "lot.split",
        "jeweller",
        {
            "lot_id": "BAR-1",
            "lot_head": HEAD,
            "outputs": [
                {"lot_id": "RING-1", "gross_mg": 6_000},
                {"lot_id": "STOCK-1", "gross_mg": 1_294_000},
            ],
        },
    ),
    record(10, "lot.claimed", "jeweller", {"lot_id": "RING-1", "lot_head": HEAD, "product": "R"}),
    record(11, "lot.retired", "jeweller", {"lot_id": "RING-1", "lot_head": HEAD, "reason": "lost"}),
]


# What the lots' states say once consumed (the API reads them from the store).
FINAL_MASSES = {"DORE-A": 999_000, "DORE-B": 500_000, "MIX-1": 1_499_000, "BAR-1": 1_300_000}


@pytest.fixture(scope="module")
def document() -> dict:
    # Given out of order: events come out in seq order.
    return epcis.document(
        reversed(RECORDS), domain=DOMAIN, created="2026-03-02T00:00:00Z", masses=FINAL_MASSES
    )


def test_document_is_valid_epcis_2(validator, document):
    assert_valid(validator, document)
    assert document["type"] == "EPCISDocument"
    assert document["schemaVersion"] == "2.0"
    assert document["@context"][0] == epcis.EPCIS_CONTEXT


def test_one_event_per_record_with_times_and_record_hash_ids(document):
    events = document["epcisBody"]["eventList"]
    assert [e["type"] for e in events] == [
        "ObjectEvent",
        "TransactionEvent",
        "ObjectEvent",
        "ObjectEvent",
        "ObjectEvent",
        "TransformationEvent",
        "ObjectEvent",
        "TransformationEvent",
        "TransformationEvent",
        "ObjectEvent",
        "ObjectEvent",
    ]
    first = events[0]
    assert first["eventTime"] == "2026-03-01T10:00:01Z"
    assert first["recordTime"] == "2026-03-01T10:00:01.123456Z"
    assert first["eventTimeZoneOffset"] == "+00:00"
    assert [e["eventID"] for e in events] == [f"ni:///sha-256;{r['entry_hash']}" for r in RECORDS]


def test_masses_are_replayed_integer_milligrams(document):
    events = document["epcisBody"]["eventList"]

    def masses(items):
        return [(q["epcClass"].removeprefix(f"{ID}/lot/"), q["quantity"], q["uom"]) for q in items]

    assert masses(events[2]["quantityList"]) == [("DORE-A", 1_000_000, "MGM")]  # shipped
    assert masses(events[3]["quantityList"]) == [("DORE-A", 999_000, "MGM")]  # own weighing
    merge = events[5]
    assert masses(merge["inputQuantityList"]) == [
        ("DORE-A", 999_000, "MGM"),
        ("DORE-B", 500_000, "MGM"),
    ]
    assert masses(merge["outputQuantityList"]) == [("MIX-1", 1_499_000, "MGM")]
    assert masses(events[6]["quantityList"]) == [("MIX-1", 1_499_000, "MGM")]  # assay
    assert masses(events[8]["outputQuantityList"]) == [
        ("RING-1", 6_000, "MGM"),
        ("STOCK-1", 1_294_000, "MGM"),
    ]
    quantities = [
        q["quantity"]
        for e in events
        for key in ("quantityList", "inputQuantityList", "outputQuantityList")
        for q in e.get(key, [])
    ]
    assert all(type(q) is int for q in quantities)


def test_cbv_steps_dispositions_and_parties(document):
    events = document["epcisBody"]["eventList"]
    steps = [(e.get("action"), e["bizStep"], e.get("disposition")) for e in events]
    assert steps == [
        ("ADD", "commissioning", "active"),
        ("ADD", "other", None),
        ("OBSERVE", "shipping", "in_transit"),
        ("OBSERVE", "receiving", "active"),
        ("ADD", "commissioning", "active"),
        (None, "commissioning", "active"),
        ("OBSERVE", "inspecting", None),
        (None, "commissioning", "active"),
        (None, "commissioning", "active"),
        ("OBSERVE", "other", None),
        ("DELETE", "decommissioning", "inactive"),
    ]
    commissioning = events[0]
    assert commissioning["readPoint"] == {"id": f"{ID}/loc/asmo-one"}
    assert commissioning["ilmd"]["gl:claim"] == "ecological"
    assert commissioning["ilmd"]["gl:mineSite"] == "Vereda El Tambo"
    sale = events[1]
    assert sale["bizTransactionList"] == [{"bizTransaction": f"{ID}/sale/SALE-2"}]
    assert sale["sourceList"] == [{"type": "owning_party", "source": f"{ID}/party/asmo-one"}]
    assert sale["destinationList"] == [{"type": "owning_party", "destination": f"{ID}/party/fab"}]
    shipped, received = events[2], events[3]
    assert "bizLocation" not in shipped
    assert shipped["destinationList"][0]["destination"] == f"{ID}/party/fab"
    assert received["sourceList"] == [
        {"type": "possessing_party", "source": f"{ID}/party/asmo-one"}
    ]
    assert received["bizLocation"] == {"id": f"{ID}/loc/fab"}
    assert events[7]["transformationID"] == f"{ID}/transformation/8"


def test_identifiers_are_https_urls_under_the_operator_domain(document):
    text = json.dumps(document)
    uris = {
        q["epcClass"]
        for e in document["epcisBody"]["eventList"]
        for key in ("quantityList", "inputQuantityList", "outputQuantityList")
        for q in e.get(key, [])
    }
    assert all(uri.startswith(f"{ID}/lot/") for uri in uris)
    assert "urn:" not in text


def test_retail_sale_is_an_observation():
    sold = record(
        1, "lot.retired", "j", {"lot_id": "R", "lot_head": HEAD, "reason": "sold_to_consumer"}
    )
    exporter = epcis.document(
        [registered(0, "R", "asmo-one", 5_000), sold],
        domain=DOMAIN,
        created="2026-03-02T00:00:00Z",
        masses={},
    )

    last = exporter["epcisBody"]["eventList"][-1]
    assert (last["action"], last["bizStep"], last["disposition"]) == (
        "OBSERVE",
        "retail_selling",
        "retail_sold",
    )


def test_consumed_lots_and_co_inputs_outside_the_export(validator):
    assert epcis.consumed(RECORDS) == {"DORE-A", "DORE-B", "MIX-1", "BAR-1"}
    # DORE-B alone: its merge also consumed DORE-A, whose history is not exported.
    own = [RECORDS[4], RECORDS[5]]
    assert epcis.consumed(own) == {"DORE-A", "DORE-B"}
    alone = epcis.document(own, domain=DOMAIN, created="2026-03-02T00:00:00Z", masses=FINAL_MASSES)
    assert_valid(validator, alone)
    merge = alone["epcisBody"]["eventList"][1]
    assert [(q["epcClass"], q["quantity"]) for q in merge["inputQuantityList"]] == [
        (f"{ID}/lot/DORE-A", 999_000),
        (f"{ID}/lot/DORE-B", 500_000),
    ]


def _set(document: dict, path: tuple, value) -> dict:
    changed = json.loads(json.dumps(document))
    node = changed
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return changed


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("epcisBody", "eventList", 0, "quantityList", 0, "uom"), "milligram"),
        (("epcisBody", "eventList", 0, "eventTimeZoneOffset"), "UTC"),
        (("epcisBody", "eventList", 0, "eventTime"), "2026-03-01"),
        (("epcisBody", "eventList", 5, "outputQuantityList", 0, "epcClass"), "not a uri"),
        (("epcisBody", "eventList", 1, "bizTransactionList"), []),
        (("epcisBody", "eventList", 2, "bizStep"), "urn:epcglobal:cbv:bizstep:shipping-typo"),
    ],
)
def test_the_schema_check_is_not_vacuous(validator, document, path, value):
    assert validator.is_valid(document)
    assert not validator.is_valid(_set(document, path, value))
