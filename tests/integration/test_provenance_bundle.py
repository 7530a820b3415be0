"""Provenance bundles: built by the service, verified offline by ``ledger`` alone, and refused
when any part is tampered with. Also checkpoints, proofs and ARM's witness cosignature."""

from __future__ import annotations

import base64
import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest
from support import bearer_for

from app import bootstrap, demo
from ledger.bundle import verify_bundle
from ledger.checkpoint import Checkpoint, cosign, cosigner_key, parse_checkpoint
from ledger.client import Signer
from ledger.errors import LedgerError
from ledger.keys import PrivateKey
from ledger.merkle import verify_consistency, verify_inclusion
from ledger.note import add_signature, parse_note, parse_verifier_key

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def demo_ledger(app, engine, tmp_path):
    operator = bootstrap.load_or_create_key(Path(app.config["OPERATOR_KEY_FILE"]))
    demo.build(engine, tmp_path / "keys", operator, "test.example/log")
    return tmp_path / "keys"


@pytest.fixture
def bundle(client, demo_ledger):
    response = client.get("/api/v1/lots/RING-2026-0001/bundle")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    return response.get_json()


@pytest.fixture
def operator(client, demo_ledger):
    return parse_verifier_key(client.get("/api/v1/verifier-key").get_data(as_text=True).strip())


def test_bundle_verifies_offline_with_the_cli(bundle, client, tmp_path):
    path = tmp_path / "ring.json"
    path.write_text(json.dumps(bundle))
    key = client.get("/api/v1/verifier-key").get_data(as_text=True).strip()
    result = subprocess.run(
        [sys.executable, "-m", "ledger.verify", str(path), "--key", key],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip().endswith("VERIFIED, WITH 1 FINDING")
    assert "correction" in result.stdout.split("Findings:")[1]
    assert "750.0/1000 (4.500 g fine)" in result.stdout  # the 18k ring
    assert "Cooperativa Minera El Tambo (CO)" in result.stdout
    assert "Cooperativa Aurífera Qori Tika (PE)" in result.stdout
    assert "paid and confirmed" in result.stdout
    assert "lot.claimed" in result.stdout
    other = parse_verifier_key(key)
    wrong = (
        f"{other.name}+00000000+"
        + base64.b64encode(b"\x01" + PrivateKey.generate().public.raw).decode()
    )
    refused = subprocess.run(
        [sys.executable, "-m", "ledger.verify", str(path), "--key", wrong],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert refused.returncode == 1
    assert "FAILED" in refused.stderr


def test_verified_bundle_matches_the_live_lot(bundle, client, operator, demo_ledger):
    provenance = verify_bundle(bundle, operator)
    arm = bootstrap.load_or_create_key(demo_ledger / "arm.pem")
    headers = bearer_for(client.application, Signer("arm", arm))
    live = client.get("/api/v1/lots/RING-2026-0001", headers=headers).get_json()["lot"]
    assert live["history"] == provenance.lot["history"]
    live.pop("custodians")
    provenance.lot.pop("custodians")
    assert provenance.lot == live
    assert provenance.premiums_settled
    assert {o["name"] for o in provenance.origins} == {
        "Cooperativa Minera El Tambo",
        "Asociación de Mineros La Palma",
        "Cooperativa Aurífera Qori Tika",
    }


def test_bundle_carries_no_sale_prices(bundle, engine):
    from sqlalchemy import select

    from app.db.tables import private_data
    from app.db.uow import reading

    with reading(engine) as connection:
        private = [json.loads(r.data) for r in connection.execute(select(private_data.c.data))]
    prices = [p["price"] for p in private if "price" in p]
    assert prices
    leaves = list(_leaves(bundle))  # a price would be a number, or a number's text
    assert not [p for p in prices if p in leaves or str(p) in leaves]


def _leaves(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    elif not isinstance(value, bool):
        yield value


def _refused(bundle, operator, contains: str = "") -> LedgerError:
    with pytest.raises(LedgerError) as error:
        verify_bundle(bundle, operator)
    assert contains in f"{error.value.code}: {error.value.detail}"
    return error.value


def _record(bundle, type_: str) -> dict:
    return next(r for r in bundle["records"] if r["entry"]["type"] == type_)


TAMPERING = {
    "entry body": lambda b: _record(b, "lot.registered")["entry"]["body"].update(gross_mg=1),
    "entry signature": lambda b: _record(b, "lot.claimed")["entry"].update(
        signature=base64.b64encode(bytes(64)).decode()
    ),
    "entry hash": lambda b: _record(b, "lot.split").update(entry_hash="0" * 64),
    "received time": lambda b: _record(b, "lot.refined").update(
        received_at="2020-01-01T00:00:00.000000Z"
    ),
    "dropped record": lambda b: b["records"].remove(_record(b, "lot.refined")),
    "dropped premium payment": lambda b: b["records"].remove(_record(b, "premium.confirmed")),
    "dropped certificate": lambda b: b["records"].remove(_record(b, "certificate.issued")),
    "reordered records": lambda b: b["records"].reverse(),
    "proof": lambda b: b["proofs"].update({"1": b["proofs"]["2"]}),
    "missing proof": lambda b: b["proofs"].pop(str(b["records"][3]["seq"])),
    "checkpoint root": lambda b: b.update(
        checkpoint=b["checkpoint"].replace(
            b["checkpoint"].split("\n")[2], base64.b64encode(bytes(32)).decode()
        )
    ),
    "checkpoint signature": lambda b: b.update(checkpoint=_forge_operator_line(b["checkpoint"])),
    "lot id": lambda b: b.update(lot_id="RING-2026-0002-X"),
    "format": lambda b: b.update(format="something/else"),
    "records not a list": lambda b: b.update(records={"a": 1}),
}


def _forge_operator_line(note: str) -> str:
    text, _, lines = note.partition("\n\n")
    operator, *witnesses = lines.split("\n")
    return text + "\n\n" + "\n".join([operator[:-9] + "AAAAAAAAA", *witnesses])


@pytest.mark.parametrize("part", sorted(TAMPERING))
def test_any_tampering_is_refused(bundle, operator, part):
    tampered = copy.deepcopy(bundle)
    TAMPERING[part](tampered)
    _refused(tampered, operator)


def test_forged_record_with_fresh_hash_fails_inclusion(bundle, operator):
    from ledger.record import record_hash

    tampered = copy.deepcopy(bundle)
    record = _record(tampered, "lot.retired")
    record["entry"]["body"]["reason"] = "lost"
    record["entry_hash"] = record_hash(
        record["seq"], record["prev_hash"], record["received_at"], record["entry"]
    )
    _refused(tampered, operator, "not included")


def test_inclusion_and_consistency_proofs_verify(client, demo_ledger):
    early = parse_checkpoint(parse_note(client.get("/api/v1/checkpoint").text)[0])
    arm = bootstrap.load_or_create_key(demo_ledger / "arm.pem")
    headers = bearer_for(client.application, Signer("arm", arm))  # the log grows
    client.application.config["CHECKPOINT_MAX_AGE_SECONDS"] = 0
    checkpoint_note = client.get("/api/v1/checkpoint").get_data(as_text=True)
    text, _ = parse_note(checkpoint_note)
    checkpoint = parse_checkpoint(text)
    assert checkpoint.size == early.size + 1
    for seq in (1, 7, checkpoint.size):
        proof = client.get(f"/api/v1/proofs/inclusion/{seq}?size={checkpoint.size}").get_json()
        record = client.get(f"/api/v1/log/{seq}", headers=headers).get_json()
        assert proof["entry_hash"] == record["entry_hash"]
        assert proof["checkpoint"] == checkpoint_note
        verify_inclusion(
            bytes.fromhex(record["entry_hash"]),
            seq - 1,
            checkpoint.size,
            [base64.b64decode(p) for p in proof["proof"]],
            checkpoint.root,
        )
    consistency = client.get(f"/api/v1/proofs/consistency?from={early.size}&to={checkpoint.size}")
    verify_consistency(
        early.size,
        checkpoint.size,
        [base64.b64decode(p) for p in consistency.get_json()["proof"]],
        early.root,
        checkpoint.root,
    )
    # Proofs and roots exist only for trees the operator signed.
    assert client.get("/api/v1/proofs/inclusion/3?size=10").status_code == 404
    assert client.get(f"/api/v1/proofs/consistency?from=10&to={early.size}").status_code == 404
    assert client.get("/api/v1/proofs/consistency?from=10&to=99999").status_code == 404
    assert client.get("/api/v1/proofs/inclusion/0").status_code == 404


def test_arm_witnesses_a_consistent_checkpoint(client, demo_ledger, operator):
    arm_key = bootstrap.load_or_create_key(demo_ledger / "arm-witness.pem")
    first_note = client.get("/api/v1/checkpoint").get_data(as_text=True)
    first = parse_checkpoint(parse_note(first_note)[0])
    cosigned = cosign(first_note, None, [], demo.ARM_WITNESS, arm_key, operator)
    stored = client.post(
        f"/api/v1/checkpoints/{first.size}/cosignatures", data=cosigned, content_type="text/plain"
    )
    assert stored.status_code == 200, stored.get_json()
    note = client.get(f"/api/v1/checkpoints/{first.size}").get_data(as_text=True)
    assert note.count(f"\u2014 {demo.ARM_WITNESS} ") == 1
    from ledger.checkpoint import open_checkpoint, parse_cosigner_key

    witness = parse_cosigner_key(cosigner_key(demo.ARM_WITNESS, arm_key.public.raw))
    _, witnessed = open_checkpoint(note, operator, [witness])
    assert witnessed == [demo.ARM_WITNESS]
    # A cosignature by a key that is not ARM's witness key is refused, and nothing is stored.
    stranger = cosign(first_note, None, [], demo.ARM_WITNESS, PrivateKey.generate(), operator)
    refused = client.post(
        f"/api/v1/checkpoints/{first.size}/cosignatures", data=stranger, content_type="text/plain"
    )
    assert refused.status_code == 422
    assert refused.get_json()["code"] == "invalid-cosignature"
    assert client.get(f"/api/v1/checkpoints/{first.size}").get_data(as_text=True) == note
    # Witnessing refuses a checkpoint that is not consistent with the last one it signed.
    forged = Checkpoint(first.origin, first.size + 1, bytes(32))
    with pytest.raises(LedgerError):
        cosign(
            add_signature(forged.body(), "x", PrivateKey.generate()),
            first,
            [],
            demo.ARM_WITNESS,
            arm_key,
            operator,
        )
