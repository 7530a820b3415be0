"""docs/examples/sign-entry.mjs, run with Node's built-in crypto: it reproduces the published
signing vectors byte for byte, and the service accepts an entry it signs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "sign-entry.mjs"
VECTORS = ROOT / "tests" / "data" / "signing" / "vectors.json"

REPRODUCE = """
import { readFileSync } from "node:fs";
import { canonicalize, keyFromSeed, keyId, signEntry, termsCommitment } from "%s";
const v = JSON.parse(readFileSync("%s", "utf8"));
const entries = v.entries.map((c) => {
  const key = keyFromSeed(v.keys[c.key].seed_hex);
  const { signature, ...unsigned } = c.entry;
  const e = c.entry;
  const signed = signEntry(key, { type: e.type, actor: e.actor, body: e.body,
                                  createdAt: e.created_at, nonce: e.nonce });
  return { canonical: canonicalize(unsigned), key_id: keyId(key), signature: signed.signature };
});
const commitments = v.terms.map((t) => termsCommitment(t.terms));
console.log(JSON.stringify({ entries, commitments }));
"""


def node() -> str:
    found = shutil.which("node")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("Node.js is not installed")
        pytest.skip("Node.js is not installed")
    return found


def test_the_javascript_example_reproduces_every_vector():
    script = REPRODUCE % (EXAMPLE.as_uri(), VECTORS)
    result = subprocess.run(
        [node(), "--input-type=module", "-e", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    produced = json.loads(result.stdout)
    vectors = json.loads(VECTORS.read_text(encoding="utf-8"))
    for case, made in zip(vectors["entries"], produced["entries"], strict=True):
        assert made["canonical"] == case["canonical"]
        assert made["key_id"] == vectors["keys"][case["key"]]["key_id"]
        assert made["signature"] == case["entry"]["signature"]
    assert produced["commitments"] == [t["commitment"] for t in vectors["terms"]]


def test_the_service_accepts_an_entry_the_example_signs(world, served, client, tmp_path):
    key = tmp_path / "arm.pem"
    key.write_bytes(world.signers["arm"].key.to_pem())
    today = datetime.now(UTC).date().isoformat()
    body = {"metal": "gold", "day": today, "currency": "USD", "price_per_troy_oz": 4_050_00}
    command = [
        node(),
        str(EXAMPLE),
        "--key",
        str(key),
        "--party",
        "arm",
        "--type",
        "reference_price.posted",
        "--body",
        json.dumps(body),
    ]
    printed = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
    entry = json.loads(printed.stdout)
    assert entry["key_id"] == world.signers["arm"].key.key_id

    sent = subprocess.run(
        [*command, "--url", served], capture_output=True, text=True, timeout=60, check=False
    )
    assert sent.returncode == 0, sent.stdout + sent.stderr
    record = json.loads(sent.stdout)
    assert record["entry"]["body"] == body
    stored = client.get(f"/api/v1/log/{record['seq']}", headers=world.headers("arm"))
    assert stored.get_json()["entry_hash"] == record["entry_hash"]

    # A copy with a changed member no longer verifies.
    tampered = {**entry, "body": {**entry["body"], "day": "2026-01-02"}}
    refused = client.post("/api/v1/entries", json=tampered)
    assert refused.status_code == 403
    assert refused.get_json()["code"] == "bad-signature"
