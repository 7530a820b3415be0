"""``python -m ledger.client token``: a party issues itself a token over real HTTP."""

from __future__ import annotations

from ledger.client import main


def test_a_token_issued_from_the_shell_opens_the_partys_reads(
    world, served, client, tmp_path, capsys
):
    key_file = tmp_path / "arm.pem"
    key_file.write_bytes(world.signers["arm"].key.to_pem())
    assert main(["token", "--url", served, "--party", "arm", "--key", str(key_file)]) == 0
    bearer = capsys.readouterr().out.strip()
    assert client.get("/api/v1/log/head").status_code == 200  # public anyway
    assert client.get("/api/v1/log?start=1").status_code == 401
    answer = client.get("/api/v1/log?start=1", headers={"Authorization": f"Bearer {bearer}"})
    assert answer.status_code == 200
    assert answer.get_json()["records"][0]["entry"]["type"] == "ledger.genesis"


def test_a_key_the_party_does_not_hold_is_refused(world, served, tmp_path, capsys):
    from ledger.keys import PrivateKey

    key_file = tmp_path / "other.pem"
    key_file.write_bytes(PrivateKey.generate().to_pem())
    assert main(["token", "--url", served, "--party", "arm", "--key", str(key_file)]) == 1
    assert "unknown-key" in capsys.readouterr().err
