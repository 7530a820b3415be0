"""``flask ledger ...`` commands: migrate, init, keygen, verify, rebuild, demo."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app import bootstrap, demo, integrity, service
from app.db import log
from app.db.migrate import upgrade
from app.db.uow import reading
from ledger.errors import LedgerError
from ledger.keys import PrivateKey, PublicKey


def _public_key(text: str) -> PublicKey:
    """A public key given as base64 of 32 raw bytes, or as the path of a PEM file."""
    path = Path(text)
    if path.exists():
        data = path.read_bytes()
        if b"PRIVATE KEY" in data:
            return PrivateKey.from_pem(data).public
        return PublicKey.from_pem(data)
    return PublicKey.from_b64(text)


def _bar(length: int, label: str):
    """A progress bar on standard error, drawn only on a terminal (cron logs stay clean)."""
    return click.progressbar(
        length=length, label=label, file=sys.stderr, hidden=not sys.stderr.isatty()
    )


def _progress(engine, label: str):
    """A progress bar over the log's records."""
    with reading(engine) as connection:
        size, _head = log.head(connection)
    return _bar(size, label)


@click.group("ledger", cls=AppGroup)
def ledger_group() -> None:
    """Operate the gold lot ledger."""


@ledger_group.command("migrate")
def migrate_command() -> None:
    """Create or upgrade the database schema (Alembic)."""
    upgrade(service.current().engine)
    click.echo("schema is up to date")


@ledger_group.command("init")
@click.option(
    "--arm-key",
    "arm_key",
    required=True,
    help="ARM's public key: base64 of the 32 raw bytes, or a PEM file",
)
def init_command(arm_key: str) -> None:
    """Migrate, create the operator key if missing, and append the genesis entry."""
    # Parse ARM's key before anything is written, so a typo leaves no operator key behind.
    try:
        arm_public = _public_key(arm_key)
    except LedgerError as exc:
        raise click.BadParameter(exc.detail, param_hint="'--arm-key'") from exc
    except ValueError as exc:  # a file that is not an Ed25519 PEM
        raise click.BadParameter(str(exc), param_hint="'--arm-key'") from exc
    ledger = service.current()
    upgrade(ledger.engine)
    if bootstrap.is_initialised(ledger.engine):
        raise click.ClickException("the ledger already has a genesis entry")
    operator = bootstrap.load_or_create_key(ledger.operator_key_file)
    try:
        result = bootstrap.genesis(
            ledger.appender, operator, arm_public, origin=current_app.config["LEDGER_ORIGIN"]
        )
    except LedgerError as exc:  # e.g. ARM given the operator's own key, or a concurrent init
        raise click.ClickException(f"genesis refused: {exc}") from exc
    click.echo(f"genesis appended: seq {result.record.seq} {result.record.entry_hash}")
    click.echo(f"operator key id {operator.key_id}")


@ledger_group.command("keygen")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="where to write the private key (PEM, mode 0600); must not exist",
)
def keygen_command(out: Path) -> None:
    """Generate an Ed25519 key pair for a party; prints the public key to register."""
    if out.exists():
        raise click.ClickException(f"{out} exists; refusing to overwrite a key")
    key = PrivateKey.generate()
    bootstrap.write_private_key(out, key)
    click.echo(f"key_id     {key.key_id}")
    click.echo(f"public_key {key.public.b64}")


@ledger_group.command("verify")
@click.option("--replay", is_flag=True, help="also re-run every entry's rules")
def verify_command(replay: bool) -> None:
    """Verify the whole chain; names the first bad seq and why. Exit 1 on failure."""
    engine = service.current().engine
    with _progress(engine, "verifying") as bar:
        report = integrity.verify_log(engine, replay=replay, progress=bar.update)
    if not report.ok:
        click.echo(f"FAILED at {report.failure}", err=True)
        sys.exit(1)
    click.echo(f"OK: {report.size} records verify; head {report.head}")


@ledger_group.command("rebuild")
def rebuild_command() -> None:
    """Replay the log into fresh projections, replacing the live ones."""
    try:
        engine = service.current().engine
        with _progress(engine, "replaying") as bar:
            count, equal = integrity.rebuild(engine, progress=bar.update)
    except LedgerError as exc:
        raise click.ClickException(f"replay refused an entry: {exc}") from exc
    click.echo(
        f"rebuilt {count} objects; live projections were "
        f"{'identical' if equal else 'DIFFERENT (now replaced)'}"
    )


@ledger_group.command("demo")
@click.option(
    "--scale",
    default=demo.SEASONS,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="seasons of trade, a month each over the past months (more share the half year)",
)
def demo_command(scale: int) -> None:
    """Migrate and, on an empty ledger, create the demo data set (keys in instance/demo-keys)."""
    ledger = service.current()
    engine = ledger.engine
    upgrade(engine)
    if bootstrap.is_initialised(engine):
        click.echo("the ledger already has records; leaving it as it is")
        return
    operator = bootstrap.load_or_create_key(ledger.operator_key_file)
    keys = Path(current_app.config["DEMO_KEYS_DIR"])
    origin = current_app.config["LEDGER_ORIGIN"]
    with _bar(scale, "seasons of trade") as bar:
        size = demo.build(engine, keys, operator, origin, scale=scale, progress=bar.update)
    click.echo(f"demo ledger created: {size} records; party keys in {keys}")


def register(app: Flask) -> None:
    app.cli.add_command(ledger_group)
