"""The daily lot commands: register, sell, ship, receive, assay, split, merge, refine, claim,
retire. Each fetches the lot's head itself and takes masses, fineness and prices in human
units."""

from __future__ import annotations

from typing import Any

import click

from ledger import terms
from ledger.cli import units
from ledger.cli.caller import Caller, pass_caller
from ledger.cli.params import DAY, FINENESS, MASS, MONEY, day
from ledger.projections import JSONObject
from ledger.types.certification import METALS
from ledger.types.lots import CLAIMS, FORMS

# A receipt this many times off the shipped mass is most likely a unit slip (g for mg, kg
# for g: a factor of 1,000), so the CLI asks before stating it.
SLIP_FACTOR = 100


def _mass(given: int | None, given_mg: int | None, what: str) -> int:
    if given is not None and given_mg is None:
        return given
    if given is None and given_mg is not None:
        return given_mg
    raise click.UsageError(f"give the {what} once: --{what} '1249.7 g' or --{what}-mg N")


@click.command("register")
@click.argument("lot_id")
@click.option("--metal", type=click.Choice(METALS), default="gold", show_default=True)
@click.option("--form", type=click.Choice(FORMS), default="dore", show_default=True)
@click.option("--gross", type=MASS, help="gross mass, e.g. '1.2497 kg'")
@click.option("--gross-mg", type=click.IntRange(min=1), help="gross mass in milligrams")
@click.option("--fineness", type=FINENESS, required=True, help="e.g. 915.0 (per mille)")
@click.option("--claim", type=click.Choice(CLAIMS), required=True)
@click.option("--site", "mine_site", required=True, help="the mine site")
@click.option("--from", "production_from", type=DAY, required=True, help="production began")
@click.option("--to", "production_to", type=DAY, required=True, help="production ended")
@click.option("--mercury/--no-mercury", default=False, show_default=True)
@click.option("--cyanide/--no-cyanide", default=False, show_default=True)
@click.option("--gravimetric-only/--not-gravimetric-only", default=True, show_default=True)
@pass_caller
def register(
    caller: Caller, /, lot_id: str, gross: int | None, gross_mg: int | None, **o: Any
) -> None:
    """Register a lot you produced (a mine) or unlabelled metal you hold."""
    caller.state(
        "lot.registered",
        {
            "lot_id": lot_id,
            "metal": o["metal"],
            "form": o["form"],
            "gross_mg": _mass(gross, gross_mg, "gross"),
            "fineness": o["fineness"],
            "claim": o["claim"],
            "mine_site": o["mine_site"],
            "production_from": day(o["production_from"]),
            "production_to": day(o["production_to"]),
            "processing": {
                "mercury": o["mercury"],
                "cyanide": o["cyanide"],
                "gravimetric_only": o["gravimetric_only"],
            },
        },
    )


@click.command("sell")
@click.argument("lot_id")
@click.option("--to", "buyer", required=True, help="the buyer's party id")
@click.option("--price", type=MONEY, required=True, help="e.g. 'USD 98,250.00'")
@pass_caller
def sell(caller: Caller, lot_id: str, buyer: str, price: tuple[str, int]) -> None:
    """Sell a lot. The price is sealed here: only its salted commitment is signed and public;
    the terms go to the service privately, for the price-floor check."""
    currency, amount = price
    private, commitment = terms.seal(amount, currency)
    body = {
        "lot_id": lot_id,
        "lot_head": caller.head_of(lot_id),
        "buyer": buyer,
        "terms_commitment": commitment,
    }
    caller.state("lot.sold", body, private)


@click.command("ship")
@click.argument("lot_id")
@click.option("--to", "recipient", required=True, help="the recipient's party id")
@pass_caller
def ship(caller: Caller, lot_id: str, recipient: str) -> None:
    """Ship a lot you hold to another party."""
    body = {"lot_id": lot_id, "lot_head": caller.head_of(lot_id), "to": recipient}
    caller.state("lot.shipped", body)


@click.command("receive")
@click.argument("lot_id")
@click.option("--gross", type=MASS, help="your own weighing, e.g. '1.2497 kg'")
@click.option("--gross-mg", type=click.IntRange(min=1), help="your weighing in milligrams")
@pass_caller
def receive(caller: Caller, lot_id: str, gross: int | None, gross_mg: int | None) -> None:
    """Take custody of a lot shipped to you, with your own weighing. A weighing 100 or more
    times off the shipped mass (a unit slip) is stated only after you confirm it."""
    weighed = _mass(gross, gross_mg, "gross")
    lot = caller.lot(lot_id)
    shipped = lot["gross_mg"]
    if weighed >= shipped * SLIP_FACTOR or weighed * SLIP_FACTOR <= shipped:
        question = (
            f"{lot_id} was shipped as {units.format_mass(shipped)}; you weighed "
            f"{units.format_mass(weighed)}, about {_ratio(weighed, shipped):,} times off. "
            "State this weighing?"
        )
        if not (caller.assume_yes or click.confirm(question, default=False, err=True)):
            raise click.ClickException("nothing stated; check the unit of your weighing")
    caller.state("lot.received", {"lot_id": lot_id, "lot_head": lot["head"], "gross_mg": weighed})


def _ratio(a: int, b: int) -> int:
    """How many times the larger of two masses is the smaller, rounded."""
    high, low = max(a, b), min(a, b)
    return (high + low // 2) // low


@click.command("assay")
@click.argument("lot_id")
@click.option("--fineness", type=FINENESS, required=True, help="e.g. 999.9 (per mille)")
@click.option("--kind", type=click.Choice(("provisional", "final")), default="final")
@click.option("--lab", "laboratory", required=True, help="the laboratory")
@pass_caller
def assay(caller: Caller, lot_id: str, fineness: int, kind: str, laboratory: str) -> None:
    """Record an assay of a lot you hold; a final assay sets its fineness."""
    body = {
        "lot_id": lot_id,
        "lot_head": caller.head_of(lot_id),
        "fineness": fineness,
        "kind": kind,
        "laboratory": laboratory,
    }
    caller.state("lot.assayed", body)


def _part(text: str) -> JSONObject:
    """``ID=MASS`` or ``ID=MASS:FORM``."""
    lot_id, sep, rest = text.partition("=")
    if not sep:
        raise click.BadParameter(f"{text!r}: write a part as ID=MASS[:FORM], e.g. R-1=5.2 g")
    mass, _, form = rest.partition(":")
    part = {"lot_id": lot_id.strip(), "gross_mg": MASS.convert(mass, None, None)}
    if form:
        if form not in FORMS:
            raise click.BadParameter(f"{form!r} is not a form ({', '.join(FORMS)})")
        part["form"] = form
    return part


@click.command("split")
@click.argument("lot_id")
@click.option("--part", "parts", multiple=True, required=True, help="ID=MASS[:FORM], repeated")
@pass_caller
def split(caller: Caller, lot_id: str, parts: tuple[str, ...]) -> None:
    """Split a lot into parts whose masses add up exactly."""
    body: JSONObject = {"lot_id": lot_id, "lot_head": caller.head_of(lot_id), "outputs": []}
    body["outputs"] = [_part(p) for p in parts]
    caller.state("lot.split", body)


@click.command("merge")
@click.argument("inputs", nargs=-1, required=True)
@click.option("--into", "output", required=True, help="the new lot's id")
@click.option("--form", type=click.Choice(FORMS), required=True)
@pass_caller
def merge(caller: Caller, inputs: tuple[str, ...], output: str, form: str) -> None:
    """Merge lots you hold into one new lot."""
    body = {
        "inputs": [{"lot_id": i, "lot_head": caller.head_of(i)} for i in inputs],
        "output": {"lot_id": output, "form": form},
    }
    caller.state("lot.merged", body)


def _refined(text: str, form: str, year: int | None, mark: str | None) -> JSONObject:
    """``ID:MASS:FINENESS[:SERIAL]``."""
    fields = text.split(":")
    if len(fields) not in (3, 4):
        raise click.BadParameter(f"{text!r}: write ID:MASS:FINENESS[:SERIAL]")
    out = {
        "lot_id": fields[0].strip(),
        "form": form,
        "gross_mg": MASS.convert(fields[1], None, None),
        "fineness": FINENESS.convert(fields[2], None, None),
    }
    if len(fields) == 4:
        out["serial"] = fields[3].strip()
    if year is not None:
        out["year"] = year
    if mark:
        out["mark"] = mark
    return out


@click.command("refine")
@click.argument("inputs", nargs=-1, required=True)
@click.option(
    "--out",
    "outputs",
    multiple=True,
    required=True,
    help="a refined lot as ID:MASS:FINENESS[:SERIAL], e.g. 'BAR-7:995.2 g:999.9:A123'",
)
@click.option("--form", type=click.Choice(FORMS), default="bar", show_default=True)
@click.option("--year", type=click.IntRange(1900, 2200), help="year mark of the outputs")
@click.option("--mark", help="refiner's mark on the outputs")
@pass_caller
def refine(
    caller: Caller,
    inputs: tuple[str, ...],
    outputs: tuple[str, ...],
    form: str,
    year: int | None,
    mark: str | None,
) -> None:
    """Refine lots you hold (e.g. doré) into refined lots (e.g. bars)."""
    body = {
        "inputs": [{"lot_id": i, "lot_head": caller.head_of(i)} for i in inputs],
        "outputs": [_refined(o, form, year, mark) for o in outputs],
    }
    caller.state("lot.refined", body)


@click.command("claim")
@click.argument("lot_id")
@click.option("--product", required=True, help="the product the label is applied to")
@pass_caller
def claim(caller: Caller, lot_id: str, product: str) -> None:
    """Apply the Fairmined label to a product made from a lot you hold (licensees)."""
    body = {"lot_id": lot_id, "lot_head": caller.head_of(lot_id), "product": product}
    caller.state("lot.claimed", body)


@click.command("retire")
@click.argument("lot_id")
@click.option(
    "--reason",
    type=click.Choice(("sold_to_consumer", "lost", "recycled", "other")),
    required=True,
)
@pass_caller
def retire(caller: Caller, lot_id: str, reason: str) -> None:
    """End a lot's life: final sale to a consumer, loss or recycling."""
    body = {"lot_id": lot_id, "lot_head": caller.head_of(lot_id), "reason": reason}
    caller.state("lot.retired", body)


COMMANDS = (register, sell, ship, receive, assay, split, merge, refine, claim, retire)
