"""ARM's onboarding and market data, and the certification bodies' certificates:
register parties, certify, authorise, set premium rates, post reference prices."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import click

from ledger.cli import units
from ledger.cli.caller import Caller, Refused, pass_caller
from ledger.cli.output import progress
from ledger.cli.params import DAY, MASS, MONEY, PUBLIC_KEY, day
from ledger.fairmined import ECOLOGICAL, FAIRMINED
from ledger.keys import PublicKey
from ledger.projections import JSONObject
from ledger.types.certification import AUTHORISABLE, METALS
from ledger.types.identity import ACTIVITIES, REGISTRABLE_ROLES


@click.group("party")
def party_group() -> None:
    """Parties (ARM registers them)."""


@party_group.command("register")
@click.argument("party_id")
@click.option("--name", required=True)
@click.option("--country", required=True, help="ISO 3166-1 alpha-2, e.g. CO")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(REGISTRABLE_ROLES))
@click.option("--activity", "activities", multiple=True, type=click.Choice(ACTIVITIES))
@click.option("--location", help="where the party is")
@click.option("--public-key", type=PUBLIC_KEY, required=True, help="base64, or a PEM file")
@pass_caller
def register_party(
    caller: Caller,
    party_id: str,
    name: str,
    country: str,
    roles: tuple[str, ...],
    activities: tuple[str, ...],
    location: str | None,
    public_key: PublicKey,
) -> None:
    """Register a party with its first public key (ARM)."""
    body = {
        "party_id": party_id,
        "name": name,
        "country": country,
        "roles": list(roles),
        "activities": list(activities),
        "public_key": public_key.b64,
    }
    if location:
        body["location"] = location
    caller.state("party.registered", body)


@party_group.command("show")
@click.argument("party_id")
@pass_caller
def show_party(caller: Caller, party_id: str) -> None:
    """A party, its roles and keys (public)."""
    party = caller.read(f"/api/v1/parties/{party_id}", public=True)
    keys = "\n".join(
        f"  key {k['id']} "
        + (f"revoked at seq {k['revoked_seq']}" if k["revoked_at"] else "active")
        for k in party["keys"]
    )
    human = (
        f"{party['id']}: {party['name']} ({party['country']})\n"
        f"  roles: {', '.join(party['roles'])}\n{keys}"
    )
    caller.show(party, human)


@click.group("certificate")
def certificate_group() -> None:
    """Certificates of ASMOs (stated by their certification body)."""


@certificate_group.command("issue")
@click.argument("certificate_id")
@click.option("--asmo", "party_id", required=True, help="the certified mine's party id")
@click.option(
    "--metal",
    "metals",
    multiple=True,
    type=click.Choice(METALS),
    default=("gold",),
    show_default=True,
)
@click.option("--ecological/--no-ecological", default=False, show_default=True)
@click.option("--from", "valid_from", type=DAY, required=True)
@click.option("--to", "valid_to", type=DAY, required=True)
@click.option("--miners", type=click.IntRange(min=1), required=True, help="miners in the scope")
@click.option(
    "--capacity",
    type=MASS,
    help="certified fine metal per year, e.g. '25 kg' (default: the standard's figure per miner)",
)
@pass_caller
def issue_certificate(
    caller: Caller,
    certificate_id: str,
    party_id: str,
    metals: tuple[str, ...],
    ecological: bool,
    valid_from: datetime,
    valid_to: datetime,
    miners: int,
    capacity: int | None,
) -> None:
    """Certify an ASMO for metals (and Ecological scope) over a period, with its certified
    capacity."""
    body = {
        "certificate_id": certificate_id,
        "party_id": party_id,
        "metals": list(metals),
        "ecological": ecological,
        "valid_from": day(valid_from),
        "valid_to": day(valid_to),
        "miners": miners,
    }
    if capacity is not None:
        body["capacity_fine_mg_per_year"] = capacity
    caller.state("certificate.issued", body)


def _certificate_change(name: str, status: str, summary: str) -> click.Command:
    @click.argument("certificate_id")
    @click.option("--reason", help="why")
    @pass_caller
    def change(caller: Caller, certificate_id: str, reason: str | None) -> None:
        body = {"certificate_id": certificate_id}
        if reason:
            body["reason"] = reason
        caller.state(f"certificate.{status}", body)

    change.__doc__ = summary
    return certificate_group.command(name)(change)


_certificate_change("suspend", "suspended", "Suspend a certificate you issued.")
_certificate_change("reinstate", "reinstated", "Lift a suspension of a certificate you issued.")
_certificate_change("withdraw", "withdrawn", "Withdraw a certificate you issued, for good.")


@click.group("authorisation")
def authorisation_group() -> None:
    """Fairmined authorisations (ARM)."""


@authorisation_group.command("grant")
@click.argument("party_id")
@click.option("--role", type=click.Choice(AUTHORISABLE), required=True)
@click.option("--from", "valid_from", type=DAY, required=True)
@click.option("--to", "valid_to", type=DAY, required=True)
@pass_caller
def grant(
    caller: Caller, party_id: str, role: str, valid_from: datetime, valid_to: datetime
) -> None:
    """Authorise a First Authorized Buyer, Authorized Supplier or Licensee."""
    body = {
        "party_id": party_id,
        "role": role,
        "valid_from": day(valid_from),
        "valid_to": day(valid_to),
    }
    caller.state("authorisation.granted", body)


@authorisation_group.command("revoke")
@click.argument("party_id")
@click.option("--role", type=click.Choice(AUTHORISABLE), required=True)
@click.option("--reason", help="why")
@pass_caller
def revoke(caller: Caller, party_id: str, role: str, reason: str | None) -> None:
    """Revoke an authorisation."""
    body = {"party_id": party_id, "role": role}
    if reason:
        body["reason"] = reason
    caller.state("authorisation.revoked", body)


@click.command("rate")
@click.argument("rate_id")
@click.option("--metal", type=click.Choice(METALS), default="gold", show_default=True)
@click.option("--certification", type=click.Choice((FAIRMINED, ECOLOGICAL)), required=True)
@click.option("--per-kg", type=MONEY, required=True, help="premium per kg fine, 'USD 4,000.00'")
@click.option("--from", "effective_from", type=DAY, required=True)
@click.option("--to", "effective_to", type=DAY, help="last day (open-ended if omitted)")
@pass_caller
def rate(
    caller: Caller,
    rate_id: str,
    metal: str,
    certification: str,
    per_kg: tuple[str, int],
    effective_from: datetime,
    effective_to: datetime | None,
) -> None:
    """Add a version of the premium rate table (ARM)."""
    currency, amount = per_kg
    body = {
        "rate_id": rate_id,
        "metal": metal,
        "certification": certification,
        "amount_per_kg": amount,
        "currency": currency,
        "effective_from": day(effective_from),
    }
    if effective_to is not None:
        body["effective_to"] = day(effective_to)
    caller.state("premium_rate.set", body)


@click.group("price")
def price_group() -> None:
    """Reference prices for the price floor (ARM)."""


@price_group.command("post")
@click.option("--metal", type=click.Choice(METALS), default="gold", show_default=True)
@click.option("--day", "on", type=DAY, required=True)
@click.option("--per-ozt", type=MONEY, required=True, help="per troy ounce, 'USD 2,650.00'")
@pass_caller
def post(caller: Caller, metal: str, on: datetime, per_ozt: tuple[str, int]) -> None:
    """Post the reference price of one day."""
    currency, amount = per_ozt
    body = {"metal": metal, "day": day(on), "currency": currency, "price_per_troy_oz": amount}
    caller.state("reference_price.posted", body)


def read_prices(path: Path) -> list[JSONObject]:
    """Daily prices from a CSV file with columns ``day``, ``price`` (e.g. ``USD 2,650.00``)
    and optionally ``metal`` (default gold) and ``currency`` (when the price names none)."""
    bodies = []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = {"day", "price"} - set(reader.fieldnames or ())
        if missing:
            raise click.UsageError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        for number, row in enumerate(reader, start=2):
            try:
                currency, amount = units.parse_money(row["price"], row.get("currency") or None)
            except units.UnitError as exc:
                raise click.UsageError(f"{path} line {number}: {exc}") from exc
            bodies.append(
                {
                    "metal": (row.get("metal") or "gold").strip(),
                    "day": row["day"].strip(),
                    "currency": currency,
                    "price_per_troy_oz": amount,
                }
            )
    return bodies


@price_group.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--skip-posted", is_flag=True, help="skip days that already have a price")
@pass_caller
def import_prices(caller: Caller, csv_file: Path, skip_posted: bool) -> None:
    """Post every daily price of a CSV file (columns: day, price[, metal][, currency])."""
    bodies = read_prices(csv_file)
    posted = skipped = 0
    with progress(bodies, "posting prices") as rows:
        for body in rows:
            try:
                caller.state("reference_price.posted", body)
                posted += 1
            except Refused as exc:
                if skip_posted and exc.problem.get("code") == "price-exists":
                    skipped += 1
                    continue
                raise
    if not caller.as_json:
        click.echo(f"{posted} prices posted, {skipped} skipped")


COMMANDS = (party_group, certificate_group, authorisation_group, rate, price_group)
