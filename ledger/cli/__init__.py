"""``gold-ledger``: every party operates the ledger from the shell.

Entries are signed on this machine with the party's own key and sent to the service; the
private key never leaves. See ``gold-ledger --help`` and the README's "Party CLI" section.
"""

from __future__ import annotations

from importlib import metadata

import click

from ledger import witness
from ledger.cli import arm, identity, lots, premiums, reads
from ledger.cli.caller import Caller
from ledger.cli.generic import entry_group
from ledger.cli.profile import ProfileError, load


def _version() -> str:
    try:
        return metadata.version("gold-lot-ledger")
    except metadata.PackageNotFoundError:  # run from a source tree, not installed
        return "(source tree)"


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--profile", envvar="GOLD_LEDGER_PROFILE", help="profile in the config file")
@click.option("--config", type=click.Path(dir_okay=False), help="config file (TOML)")
@click.option("--url", help="the service, e.g. https://ledger.example.org [GOLD_LEDGER_URL]")
@click.option("--party", help="your party id [GOLD_LEDGER_PARTY]")
@click.option("--key", help="your private key, a PKCS#8 PEM file [GOLD_LEDGER_KEY]")
@click.option("--token", help="an API token for reads [GOLD_LEDGER_TOKEN]")
@click.option("--json", "as_json", is_flag=True, help="print JSON instead of a summary")
@click.option("--dry-run", is_flag=True, help="print the signed entry; send nothing")
@click.option("--yes", "-y", "assume_yes", is_flag=True, help="answer yes to confirmations")
@click.version_option(version=_version(), message="%(prog)s %(version)s")
@click.pass_context
def cli(
    ctx: click.Context,
    profile: str | None,
    config: str | None,
    url: str | None,
    party: str | None,
    key: str | None,
    token: str | None,
    as_json: bool,
    dry_run: bool,
    assume_yes: bool,
) -> None:
    """Operate the gold lot ledger as your party: state entries signed with your own key,
    read your holdings, incoming lots, premiums and reports."""
    options = {"url": url, "party": party, "key": key, "token": token}
    try:
        chosen = load(options, profile=profile, config=config)
    except ProfileError as exc:
        raise click.UsageError(str(exc)) from exc
    ctx.obj = Caller(chosen, as_json=as_json, dry_run=dry_run, assume_yes=assume_yes)


for command in (*lots.COMMANDS[1:], *reads.COMMANDS, *arm.COMMANDS, *identity.COMMANDS):
    cli.add_command(command)
reads.lot_group.add_command(lots.register)
cli.add_command(premiums.premium_group)
cli.add_command(entry_group)


@cli.command(
    "witness",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
)
@click.argument("arguments", nargs=-1, type=click.UNPROCESSED)
def witness_command(arguments: tuple[str, ...]) -> None:
    """Run a witness: keygen, register, run (cosign checkpoints; see `witness --help`)."""
    raise SystemExit(witness.main(list(arguments), prog="gold-ledger witness"))


def main(argv: list[str] | None = None) -> int:
    """Console script entry point."""
    try:
        cli.main(args=argv, prog_name="gold-ledger", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    return 0
