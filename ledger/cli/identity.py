"""Keys and API tokens: make a key pair locally, add and revoke keys; issue, list, revoke tokens."""

from __future__ import annotations

import os
from pathlib import Path

import click

from ledger.cli.caller import Caller, pass_caller, save_token
from ledger.cli.output import table
from ledger.cli.params import PUBLIC_KEY
from ledger.keys import PrivateKey, PublicKey


@click.command("keygen")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="where to write the private key (PKCS#8 PEM, mode 0600); must not exist",
)
@click.pass_obj
def keygen(caller: Caller, out: Path) -> None:
    """Make an Ed25519 key pair on this machine; prints the public key to register."""
    if out.exists():
        raise click.ClickException(f"{out} exists; refusing to overwrite a key")
    key = PrivateKey.generate()
    out.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key.to_pem())
    caller.show(
        {"key_id": key.key_id, "public_key": key.public.b64, "file": str(out)},
        f"key_id     {key.key_id}\npublic_key {key.public.b64}\nprivate key in {out}",
    )


@click.group("key")
def key_group() -> None:
    """Signing keys: rotate by adding the new key, then revoking the old."""


@key_group.command("add")
@click.option("--public-key", type=PUBLIC_KEY, required=True, help="base64, or a PEM file")
@click.option("--party", "party_id", help="whose key (default: you; ARM may name another)")
@pass_caller
def add_key(caller: Caller, public_key: PublicKey, party_id: str | None) -> None:
    """Add a signing key."""
    body = {"party_id": party_id or caller.party, "public_key": public_key.b64}
    caller.state("key.added", body)


@key_group.command("revoke")
@click.argument("key_id")
@click.option("--party", "party_id", help="whose key (default: you; ARM may name another)")
@click.option("--reason", help="why (e.g. compromised, rotated)")
@pass_caller
def revoke_key(caller: Caller, key_id: str, party_id: str | None, reason: str | None) -> None:
    """Revoke a key; entries signed with it afterwards are refused."""
    body = {"party_id": party_id or caller.party, "key_id": key_id}
    if reason:
        body["reason"] = reason
    caller.state("key.revoked", body)


@click.group("token")
def token_group() -> None:
    """API tokens for reads (only a hash of the secret is stated in the ledger)."""


@token_group.command("issue")
@click.option("--days", type=click.IntRange(1, 366), default=30, show_default=True)
@click.option("--label", help="what the token is for")
@click.option("--save", is_flag=True, help="keep it for this CLI's later reads")
@pass_caller
def issue(caller: Caller, days: int, label: str | None, save: bool) -> None:
    """Issue yourself an API token and print the bearer (shown once, never stored by the
    service)."""
    if caller.dry_run:
        raise click.UsageError("a token is issued for real or not at all; drop --dry-run")
    bearer, expires_at = caller.issue_token(days=days, label=label)
    if save:
        save_token(caller.token_file(), bearer, expires_at)
    token_id = bearer.split(".", 1)[0]
    caller.show({"token_id": token_id, "bearer": bearer, "expires_at": expires_at}, bearer)


@token_group.command("revoke")
@click.argument("token_id")
@pass_caller
def revoke_token(caller: Caller, token_id: str) -> None:
    """Revoke an API token (yours; ARM may revoke any)."""
    caller.state("token.revoked", {"token_id": token_id.split(".", 1)[0]})


@token_group.command("list")
@pass_caller
def list_tokens(caller: Caller) -> None:
    """Your API tokens (never their secrets): live, expired or revoked."""
    items = caller.read(f"/api/v1/parties/{caller.party}/tokens")["items"]
    rows = [
        {
            "token_id": t["id"],
            "label": t.get("label"),
            "expires_at": t["expires_at"],
            "key_id": t.get("key_id"),
            "revoked": f"at seq {t['revoked_seq']}" if t.get("revoked_seq") else "",
        }
        for t in items
    ]
    columns = ["token_id", "label", "expires_at", "key_id", "revoked"]
    caller.show(items, table(rows, columns) if rows else "you have no tokens")


COMMANDS = (keygen, key_group, token_group)
