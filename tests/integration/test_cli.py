"""``flask ledger keygen`` and ``flask ledger init`` against real databases and real key files.

These tests use the ``app`` fixture (a migrated, empty database) and not ``world``, which would
already have appended a genesis entry.
"""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from app import create_app
from app.db import log
from app.db.uow import reading
from app.integrity import verify_log
from ledger.keys import PrivateKey, PublicKey


@pytest.fixture
def bare_app(tmp_path):
    """An app for commands that never touch the database (keygen): one backend is enough."""
    application = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    yield application
    application.extensions["ledger"].engine.dispose()


def _invoke(app, *args: str):
    return app.test_cli_runner().invoke(args=["ledger", *args])


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _size(engine) -> int:
    with reading(engine) as connection:
        return log.head(connection)[0]


def test_keygen_writes_a_private_pem_and_prints_the_public_key(bare_app, tmp_path):
    out = tmp_path / "keys" / "asmo.pem"
    result = _invoke(bare_app, "keygen", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert _mode(out) == 0o600
    key = PrivateKey.from_pem(out.read_bytes())
    printed = dict(line.split(None, 1) for line in result.output.strip().splitlines())
    assert printed == {"key_id": key.key_id, "public_key": key.public.b64}
    # The printed public key is exactly what a party gives ARM to register.
    assert PublicKey.from_b64(printed["public_key"]).key_id == key.key_id


def test_keygen_gives_a_new_key_each_time(bare_app, tmp_path):
    first, second = tmp_path / "a.pem", tmp_path / "b.pem"
    assert _invoke(bare_app, "keygen", "--out", str(first)).exit_code == 0
    assert _invoke(bare_app, "keygen", "--out", str(second)).exit_code == 0
    assert first.read_bytes() != second.read_bytes()


def test_keygen_refuses_to_overwrite(bare_app, tmp_path):
    out = tmp_path / "asmo.pem"
    assert _invoke(bare_app, "keygen", "--out", str(out)).exit_code == 0
    original = out.read_bytes()
    again = _invoke(bare_app, "keygen", "--out", str(out))
    assert again.exit_code == 1
    assert "refusing to overwrite" in again.output
    assert out.read_bytes() == original
    # Not even an empty file standing in the way may be replaced.
    empty = tmp_path / "empty.pem"
    empty.write_bytes(b"")
    assert _invoke(bare_app, "keygen", "--out", str(empty)).exit_code == 1
    assert empty.read_bytes() == b""


def test_init_appends_genesis_naming_arm_and_creates_the_operator_key(app, engine, client):
    operator_file = Path(app.config["OPERATOR_KEY_FILE"])
    assert not operator_file.exists()
    arm = PrivateKey.generate()

    result = _invoke(app, "init", "--arm-key", arm.public.b64)
    assert result.exit_code == 0, result.output

    assert _mode(operator_file) == 0o600
    operator = PrivateKey.from_pem(operator_file.read_bytes())
    record = _genesis(app)
    assert record["seq"] == 1
    assert record["prev_hash"] == "0" * 64
    entry = record["entry"]
    assert entry["type"] == "ledger.genesis"
    assert entry["actor"] == "operator"
    assert entry["key_id"] == operator.key_id
    assert entry["body"]["arm"]["public_key"] == arm.public.b64
    assert entry["body"]["operator"]["public_key"] == operator.public.b64
    assert entry["body"]["origin"] == app.config["LEDGER_ORIGIN"]
    assert re.search(rf"genesis appended: seq 1 {record['entry_hash']}", result.output)
    assert f"operator key id {operator.key_id}" in result.output

    # ARM can act with its key straight away; the operator key file is the operator's key.
    arm_party = client.get("/api/v1/parties/arm").get_json()
    assert [k["id"] for k in arm_party["keys"]] == [arm.key_id]
    operator_party = client.get("/api/v1/parties/operator").get_json()
    assert [k["id"] for k in operator_party["keys"]] == [operator.key_id]
    assert verify_log(engine).ok


def test_second_init_fails_clearly_and_writes_nothing(app, engine, client):
    operator_file = Path(app.config["OPERATOR_KEY_FILE"])
    assert _invoke(app, "init", "--arm-key", PrivateKey.generate().public.b64).exit_code == 0
    key_bytes = operator_file.read_bytes()
    head = client.get("/api/v1/log/head").get_json()

    again = _invoke(app, "init", "--arm-key", PrivateKey.generate().public.b64)
    assert again.exit_code == 1
    assert "the ledger already has a genesis entry" in again.output
    assert client.get("/api/v1/log/head").get_json() == head
    assert operator_file.read_bytes() == key_bytes

    # Also when the operator key file has gone missing: no new key is made.
    operator_file.unlink()
    third = _invoke(app, "init", "--arm-key", PrivateKey.generate().public.b64)
    assert third.exit_code == 1
    assert not operator_file.exists()
    assert _size(engine) == 1


def test_init_takes_arm_key_as_a_pem_and_uses_an_existing_operator_key(app, tmp_path, client):
    # The operator and ARM both make their keys with keygen; ARM hands over its PEM file
    # (here the private one, from which init takes only the public half).
    operator_file = Path(app.config["OPERATOR_KEY_FILE"])
    assert _invoke(app, "keygen", "--out", str(operator_file)).exit_code == 0
    arm_file = tmp_path / "arm.pem"
    assert _invoke(app, "keygen", "--out", str(arm_file)).exit_code == 0
    operator = PrivateKey.from_pem(operator_file.read_bytes())
    arm = PrivateKey.from_pem(arm_file.read_bytes())
    public_pem = tmp_path / "arm.pub.pem"
    public_pem.write_bytes(arm.public.to_pem())

    result = _invoke(app, "init", "--arm-key", str(public_pem))
    assert result.exit_code == 0, result.output
    body = _genesis(app)["entry"]["body"]
    assert body["arm"]["public_key"] == arm.public.b64
    assert body["operator"]["public_key"] == operator.public.b64
    assert PrivateKey.from_pem(operator_file.read_bytes()).key_id == operator.key_id


@pytest.mark.parametrize(
    "arm_key",
    ["not base64!", "QUFB", "file:garbage.pem"],
    ids=["not-base64", "too-short", "not-a-pem"],
)
def test_init_with_a_bad_arm_key_fails_clearly_and_writes_nothing(app, engine, tmp_path, arm_key):
    if arm_key.startswith("file:"):
        garbage = tmp_path / arm_key.removeprefix("file:")
        garbage.write_text("-----BEGIN PUBLIC KEY-----\nnonsense\n-----END PUBLIC KEY-----\n")
        arm_key = str(garbage)
    result = _invoke(app, "init", "--arm-key", arm_key)
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--arm-key'" in result.output
    assert "Traceback" not in result.output
    assert not Path(app.config["OPERATOR_KEY_FILE"]).exists()
    assert _size(engine) == 0


def test_init_refuses_the_operator_key_as_arm_key(app, engine):
    operator_file = Path(app.config["OPERATOR_KEY_FILE"])
    assert _invoke(app, "keygen", "--out", str(operator_file)).exit_code == 0
    operator = PrivateKey.from_pem(operator_file.read_bytes())
    result = _invoke(app, "init", "--arm-key", operator.public.b64)
    assert result.exit_code == 1
    assert "genesis refused" in result.output
    assert "distinct" in result.output
    assert _size(engine) == 0


def _genesis(app) -> dict:
    """The stored genesis record, read from the database."""
    with reading(app.extensions["ledger"].engine) as connection:
        return log.by_seq(connection, 1).to_json()
