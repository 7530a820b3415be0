"""Fairmined premiums: the buyer pays, the mine confirms, either lists what is owed."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from ledger import terms
from ledger.cli import units
from ledger.cli.caller import Caller, pass_caller
from ledger.cli.output import table
from ledger.cli.params import DAY, day
from ledger.premium_state import settled
from ledger.projections import JSONObject


def _amount(caller: Caller, obligation_id: str, text: str) -> tuple[str, int]:
    """The amount in the obligation's currency (the text may omit the currency)."""
    obligation = caller.read(f"/api/v1/premiums/{obligation_id}")
    try:
        return units.parse_money(text, obligation["currency"])
    except units.UnitError as exc:
        raise click.BadParameter(str(exc), param_hint="'--amount'") from exc


def _today(value: datetime | None) -> str:
    return day(value) or datetime.now(UTC).date().isoformat()


@click.group("premium")
def premium_group() -> None:
    """Premium obligations: pay (buyer), confirm (mine), list."""


@premium_group.command("pay")
@click.argument("obligation_id")
@click.option("--amount", required=True, help="e.g. 'USD 4,902.00'")
@click.option("--evidence", required=True, help="payment reference (bank transfer id, …)")
@click.option("--paid-on", type=DAY, help="day paid (default today)")
@pass_caller
def pay(
    caller: Caller, obligation_id: str, amount: str, evidence: str, paid_on: datetime | None
) -> None:
    """State a premium payment (possibly partial) to the mine."""
    currency, minor = _amount(caller, obligation_id, amount)
    sealed, commitment = terms.seal_evidence(evidence)  # only the commitment is signed
    body = {
        "obligation_id": obligation_id,
        "amount": minor,
        "currency": currency,
        "paid_on": _today(paid_on),
        "evidence_commitment": commitment,
    }
    caller.state("premium.paid", body, sealed)


@premium_group.command("confirm")
@click.argument("obligation_id")
@click.option("--amount", required=True, help="e.g. 'USD 4,902.00'")
@click.option("--received-on", type=DAY, help="day received (default today)")
@pass_caller
def confirm(caller: Caller, obligation_id: str, amount: str, received_on: datetime | None) -> None:
    """Confirm, as the mine, that premium money arrived."""
    currency, minor = _amount(caller, obligation_id, amount)
    body = {
        "obligation_id": obligation_id,
        "amount": minor,
        "currency": currency,
        "received_on": _today(received_on),
    }
    caller.state("premium.confirmed", body)


def premium_rows(items: list[JSONObject]) -> list[JSONObject]:
    return [
        {
            "obligation": o["id"],
            "lot": o["lot"],
            "mine": o["asmo"],
            "payer": o["payer"],
            "due": units.format_money(o["due"], o["currency"]),
            "paid": units.format_money(o["paid"], o["currency"]),
            "confirmed": units.format_money(o["confirmed"], o["currency"]),
            "due_by": o["due_by"],
        }
        for o in items
    ]


@premium_group.command("list")
@click.option("--open", "only_open", is_flag=True, help="only those not fully confirmed")
@pass_caller
def list_premiums(caller: Caller, only_open: bool) -> None:
    """Premiums owed to you (as a mine) or by you (as a buyer)."""
    items = caller.read(f"/api/v1/parties/{caller.party}/premiums")["items"]
    if only_open:
        items = [o for o in items if not settled(o)]
    columns = ("obligation", "lot", "mine", "payer", "due", "paid", "confirmed", "due_by")
    caller.show(items, table(premium_rows(items), columns) if items else "no premiums")
