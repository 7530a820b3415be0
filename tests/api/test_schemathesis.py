"""Property-based contract test: schemathesis drives every documented operation.

The served OpenAPI document (``/api/openapi.json``) is the contract. Schemathesis generates
valid and invalid requests for each operation (one test per operation) and sends them through
the Flask app (WSGI, in process) to a SQLite ledger holding the demo data, authenticated as ARM
(who may read everything). Every answer must be a non-5xx response whose status code, content
type, headers and body are the documented ones. Generated path parameters are mixed with real
identifiers of the demo ledger, so 200 answers (not only 404s) are checked against their schemas.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import checks
from support import flask_transport

from app import bootstrap, create_app, demo
from app.db.migrate import upgrade
from ledger.client import LedgerClient, Signer

EXAMPLES_PER_OPERATION = 25

# The document does not depend on the data, so it is loaded at collection time from an app
# without a database; the generated cases are sent to ``demo_app``.
schema = schemathesis.openapi.from_wsgi(
    "/api/openapi.json", create_app({"TESTING": True, "DATABASE_URL": "sqlite://"})
)
# Unknown query parameters are ignored by design (as most HTTP APIs do), so a request with extra
# parameters is not a schema-violating request this service must refuse.
schema.config.generation.update(max_examples=EXAMPLES_PER_OPERATION, allow_extra_parameters=False)

# A schema-valid request may still be refused with 422 where the rule cannot be stated in JSON
# Schema; ``positive_data_acceptance`` is skipped for these operations only.
SEMANTIC_422 = {
    # Any envelope is schema-valid, but only a signed entry of a known type, whose body fits
    # that type and whose created_at is a real calendar time, is admitted.
    ("POST", "/api/v1/entries"),
    # Any text is schema-valid; only a note cosigned by a known witness is accepted.
    ("POST", "/api/v1/checkpoints/{size}/cosignatures"),
    # ``from`` must not be after ``to`` (a constraint across two parameters).
    ("GET", "/api/v1/reports/premiums"),
    ("GET", "/api/v1/reports/premiums/yearly"),
    ("GET", "/api/v1/reports/discrepancies"),
}

# Real identifiers of the demo ledger by path parameter name; ``demo_ids`` fills it in.
KNOWN: dict[str, list] = {}


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Keep each generated value, or use a real identifier of the demo ledger."""
    if not path_parameters:
        return st.just(path_parameters)
    return st.fixed_dictionaries(
        {
            name: st.sampled_from([value, *KNOWN.get(name, [])])
            for name, value in path_parameters.items()
        }
    )


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    """The app on a migrated SQLite file holding the demo ledger."""
    folder = tmp_path_factory.mktemp("schemathesis")
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{folder / 'ledger.db'}",
            "OPERATOR_KEY_FILE": str(folder / "operator.pem"),
            "DEMO_KEYS_DIR": str(folder / "demo-keys"),
        }
    )
    engine = app.extensions["ledger"].engine
    upgrade(engine)
    operator = bootstrap.load_or_create_key(Path(app.config["OPERATOR_KEY_FILE"]))
    demo.build(engine, Path(app.config["DEMO_KEYS_DIR"]), operator, app.config["LEDGER_ORIGIN"])
    yield app
    engine.dispose()


@pytest.fixture(scope="module")
def arm_headers(demo_app) -> dict[str, str]:
    """ARM's bearer token, issued with the ARM key the demo wrote to ``DEMO_KEYS_DIR``."""
    key = bootstrap.load_or_create_key(Path(demo_app.config["DEMO_KEYS_DIR"]) / "arm.pem")
    client = LedgerClient(flask_transport(demo_app.test_client()))
    return {"Authorization": f"Bearer {client.issue_token(Signer('arm', key), days=1)}"}


@pytest.fixture(scope="module")
def demo_ids(demo_app, arm_headers) -> dict[str, list]:
    """Identifiers that exist in the demo ledger (and a signed checkpoint to fetch)."""
    client = demo_app.test_client()
    checkpoint = client.get("/api/v1/checkpoint").get_data(as_text=True)
    head = client.get("/api/v1/log/head").get_json()
    premiums = client.get("/api/v1/parties/fab-andina/premiums", headers=arm_headers)
    KNOWN.update(
        party_id=["arm", "fab-andina", "asmo-el-tambo", "refiner-alpes", "jeweller-oro-verde"],
        lot_id=["DORE-2026-001", "DORE-2026-003", "BAR-2026-0001", "RING-2026-0001", "DORE-005"],
        obligation_id=[o["id"] for o in premiums.get_json()["items"]],
        seq=[1, 2, head["size"]],
        size=[int(checkpoint.split("\n")[1])],
        entry_hash=[head["head_hash"]],
    )
    assert all(KNOWN.values()), KNOWN
    return KNOWN


@schema.parametrize()
@settings(
    deadline=2000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    database=None,
)
def test_every_operation_honours_its_documented_contract(case, demo_app, arm_headers, demo_ids):
    operation = (case.operation.method.upper(), case.operation.path)
    excluded = [checks.positive_data_acceptance] if operation in SEMANTIC_422 else []
    case.call_and_validate(app=demo_app, headers=arm_headers, excluded_checks=excluded)
