"""The offline verifier's policy: required witnesses, a quorum, the exact lot, the age."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from support import assert_verified

from app import bootstrap, demo
from ledger import verify
from ledger.checkpoint import cosigner_key
from ledger.keys import PrivateKey

ROOT = Path(__file__).resolve().parents[2]
RING = "RING-2026-0001"


@pytest.fixture
def demo_ledger(app, engine, tmp_path):
    operator = bootstrap.load_or_create_key(Path(app.config["OPERATOR_KEY_FILE"]))
    demo.build(engine, tmp_path / "keys", operator, "test.example/log")
    return tmp_path / "keys"


@pytest.fixture
def ring(client, demo_ledger, tmp_path) -> tuple[Path, str, str]:
    """The ring's bundle on disk, the operator's key and ARM's witness key (out of band)."""
    path = tmp_path / "ring.json"
    path.write_bytes(client.get(f"/api/v1/lots/{RING}/bundle").data)
    operator = client.get("/api/v1/verifier-key").text.strip()
    arm = bootstrap.load_or_create_key(demo_ledger / "arm-witness.pem")
    return path, operator, cosigner_key(demo.ARM_WITNESS, arm.public.raw)


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ledger.verify", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def test_the_demo_bundle_meets_a_policy_of_arms_witness_and_its_lot(ring, tmp_path):
    path, operator, arm = ring
    key_file = tmp_path / "arm.witness"
    key_file.write_text(arm + "\n")
    result = _run(str(path), "--key", operator, "--witness", str(key_file), "--lot", RING)
    assert result.returncode == 0, result.stderr
    assert f"witnessed by: {demo.ARM_WITNESS}" in result.stdout
    assert_verified(result.stdout)


def test_a_missing_required_witness_fails(ring):
    path, operator, arm = ring
    other = cosigner_key("witness.other.example/w", PrivateKey.generate().public.raw)
    result = _run(str(path), "--key", operator, "--witness", arm, "--witness", other)
    assert result.returncode == 1
    assert "policy-not-met" in result.stderr
    assert "witness.other.example/w" in result.stderr
    quorum = _run(
        str(path), "--key", operator, "--witness", arm, "--witness", other, "--witness-quorum", "1"
    )
    assert quorum.returncode == 0, quorum.stderr


def test_a_relabelled_lot_fails(ring, tmp_path):
    path, operator, _arm = ring
    bundle = json.loads(path.read_text())
    bundle["lot_id"] = "BAR-2026-0001"  # an ancestor: the records establish it too
    relabelled = tmp_path / "relabelled.json"
    relabelled.write_text(json.dumps(bundle))
    assert _run(str(relabelled), "--key", operator).returncode == 0  # no policy: it verifies
    result = _run(str(relabelled), "--key", operator, "--lot", RING)
    assert result.returncode == 1
    assert f"proves lot BAR-2026-0001, not {RING}" in result.stderr


def test_the_checkpoint_age_is_the_newest_witness_cosignature(ring):
    path, operator, arm = ring
    bundle = json.loads(path.read_text())
    witnesses = verify.witness_keys([arm])
    provenance = verify.verify_bundle(bundle, verify.parse_verifier_key(operator), witnesses)
    (signed_at,) = verify.cosigned_at(bundle["checkpoint"], witnesses).values()
    policy = {"quorum": 1, "lot": RING}
    verify.check_policy(bundle, provenance, witnesses, max_age=60, now=signed_at + 60, **policy)
    with pytest.raises(verify.LedgerError, match="within the last 60 s"):
        verify.check_policy(bundle, provenance, witnesses, max_age=60, now=signed_at + 61, **policy)
    with pytest.raises(verify.LedgerError, match="within the last"):
        verify.check_policy(bundle, provenance, [], quorum=0, lot=None, max_age=10**9)
    assert _run(str(path), "--key", operator, "--witness", arm, "--max-age", "3600").returncode == 0
