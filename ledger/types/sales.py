"""Sales, and the Fairmined premium each ASMO sale creates, its payment and its confirmation."""

from __future__ import annotations

from datetime import date

from ledger import terms
from ledger.entry_types import Context, entry_type
from ledger.errors import LedgerError, conflict, forbidden, invalid
from ledger.fairmined import LABELLED, fine_mg, premium_due
from ledger.fields import CURRENCY, HASH_HEX, LOT_ID, MONEY, PARTY_ID, Date, Obj, Str
from ledger.lotstate import flag, held_lot, require_premiums_settled, touch
from ledger.money import floor_price
from ledger.obligations import new_obligation
from ledger.origins import labelled_fine
from ledger.projections import JSONObject, Lot, Obligation
from ledger.types.certification import is_authorised, require_certified
from ledger.types.fx import FloorReference, floor_reference

OBLIGATION_ID = Str(pattern=r"PRM-[0-9]{1,15}", max_len=20, description="premium obligation")


@entry_type(
    "lot.sold",
    Obj(
        {
            "lot_id": LOT_ID,
            "lot_head": HASH_HEX,
            "buyer": PARTY_ID,
            "terms_commitment": terms.COMMITMENT,
        }
    ),
    roles={"asmo", "first_buyer", "supplier", "licensee"},
    summary="The holder sells a lot; price and currency stay private behind a signed "
    "commitment. A sale by the mine creates the premium obligation and is checked against the "
    "price floor.",
    private=terms.TERMS,
)
def lot_sold(ctx: Context) -> None:
    body = ctx.body
    lot = held_lot(ctx, body["lot_id"], body["lot_head"])
    if ctx.store.get("party", body["buyer"]) is None or body["buyer"] == ctx.actor["id"]:
        raise invalid("the buyer must be another registered party", "/body/buyer")
    if lot.get("sold_to") is not None:
        raise conflict("already-sold", f"{lot['id']} is already sold to {lot['sold_to']}")
    if ctx.private is not None and terms.commitment(ctx.private) != body["terms_commitment"]:
        raise LedgerError(
            "terms-mismatch",
            "the private terms do not match the signed commitment",
            pointer="/private",
        )
    sale = {
        "id": f"SALE-{ctx.seq}",
        "lot": lot["id"],
        "seller": ctx.actor["id"],
        "buyer": body["buyer"],
        "day": ctx.day.isoformat(),
        "seq": ctx.seq,
        "fine_mg": lot["fine_mg"],
        "terms_commitment": body["terms_commitment"],
        "obligation": None,
    }
    if lot["claim"] in LABELLED and lot["first_sale"] is not None:
        sale["obligation"] = _first_sale(ctx, lot, body)
        lot["first_sale"] = "agreed"
    elif lot["claim"] in LABELLED:
        require_premiums_settled(ctx, lot, "sell")
    ctx.store.put("sale", sale)
    if ctx.private is not None and sale["obligation"] is not None:
        # The mine's price, for the floor at the settlement assay: a projection of its own that
        # no read serves (the sale itself keeps only the commitment).
        ctx.store.put("sale_terms", {"id": sale["id"], **ctx.private})
    lot["sold_to"] = body["buyer"]
    touch(ctx, lot)


def _first_sale(ctx: Context, lot: Lot, body: JSONObject) -> str:
    """The ASMO's sale: certified today, buyer authorised, price floor met; owes the premium.

    The price floor is checked where the terms are known (always, at admission); a public
    replay without them checks everything else.
    """
    require_certified(ctx, ctx.actor["id"], lot["metal"], lot["claim"])
    if not is_authorised(ctx, body["buyer"], "first_buyer"):
        raise forbidden(
            "recipient-not-authorised",
            f"{body['buyer']} is not an authorised First Authorized Buyer today",
        )
    params = ctx.store.get("meta", "ledger")["params"]
    if ctx.private is not None:
        reference = floor_reference(ctx, lot["metal"], ctx.private["currency"])
        floor = params["price_floor_bp"]
        if ctx.private["price"] < _floor_price(lot["fine_mg"], reference, floor):
            raise LedgerError(
                "price-below-floor",
                f"the price is under {floor // 100}% of the reference price of "
                f"{reference.day}{_converted(reference)}",
                pointer="/private/price",
            )
    obligation = new_obligation(
        ctx,
        lot,
        payer=body["buyer"],
        payer_role="first_buyer",
        kind="sale",
        fine=labelled_fine(lot),
    )
    ctx.store.put("obligation", obligation)
    lot["obligations"] = sorted({*lot["obligations"], obligation["id"]})
    return obligation["id"]


def _converted(reference: FloorReference) -> str:
    return f" converted at the rate of {reference.rate_day}" if reference.rate_day else ""


def _floor_price(fine: int, reference: FloorReference, floor_bp: int) -> int:
    """The least price meeting the floor for ``fine`` mg, in the sale's currency."""
    return floor_price(fine, reference.price_per_troy_oz, floor_bp, reference.rate_micro)


def _check_floor_on(ctx: Context, lot: Lot, obligation: Obligation, settled: int) -> None:
    """The price floor follows the settled fine mass: where the sale's private terms are known
    (at admission, and in a replay with them), a price under the floor for the settled mass is
    a finding for ARM (``price-floor-shortfall``; the finding names no price)."""
    sale = ctx.store.get("sale", f"SALE-{obligation['sale_seq']}")
    terms_ = ctx.store.get("sale_terms", f"SALE-{obligation['sale_seq']}")
    if sale is None or terms_ is None:
        return
    try:
        reference = floor_reference(
            ctx, lot["metal"], terms_["currency"], day=date.fromisoformat(sale["day"])
        )
    except LedgerError:
        return
    floor = ctx.store.get("meta", "ledger")["params"]["price_floor_bp"]
    if terms_["price"] < _floor_price(settled, reference, floor):
        flag(
            ctx,
            "price-floor-shortfall",
            lot["id"],
            f"the sale price is under {floor // 100}% of the reference price of "
            f"{reference.day} for the {settled} mg fine metal the settlement assay found",
            obligation=obligation["id"],
        )


def settle_premium(ctx: Context, lot: Lot, fineness: int) -> None:
    """The settlement assay: the mine's premium and the lot's labelled metal follow its finding.

    It applies once, to the very lot the mine sold, after delivery. More fine metal than the
    obligation was based on creates a ``top-up`` obligation for the difference (owed by the same
    buyer, blocking onward moves until confirmed); less records a credit on the obligation.
    Either way premium due (less credit) equals the settled fine mass times the rate.
    """
    sold: list[Obligation] = []
    for obligation_id in lot["obligations"]:
        found = ctx.store.get("obligation", obligation_id)
        assert found is not None  # a lot names only obligations that exist
        if found["lot"] == lot["id"] and found["kind"] == "sale":
            sold.append(found)
    if lot["first_sale"] is not None or len(sold) != 1 or sold[0]["settled_seq"] is not None:
        raise conflict(
            "settlement-not-open",
            f"{lot['id']} is not a delivered lot of a mine's sale awaiting its settlement assay",
        )
    obligation = sold[0]
    basis, settled = obligation["fine_mg"], fine_mg(lot["gross_mg"], fineness)
    rate = obligation["rate_per_kg"]
    obligation.update({"settled_fine_mg": settled, "settled_seq": ctx.seq})
    if settled > basis:
        top_up: Obligation = {
            **obligation,
            "id": f"PRM-{ctx.seq}",
            "kind": "top-up",
            "fine_mg": settled - basis,
            "due": premium_due(settled, rate) - premium_due(basis, rate),
            "paid": 0,
            "confirmed": 0,
            "payments": [],
            "confirmations": [],
            "top_up_of": obligation["id"],
            "top_ups": [],
        }
        ctx.store.put("obligation", top_up)
        obligation["top_ups"].append(top_up["id"])
        lot["obligations"] = sorted({*lot["obligations"], top_up["id"]})
        _check_floor_on(ctx, lot, obligation, settled)
    else:
        obligation.update(
            {
                "credit": premium_due(basis, rate) - premium_due(settled, rate),
                "credit_fine_mg": basis - settled,
            }
        )
    ctx.store.put("obligation", obligation)
    lot.update({"fineness": fineness, "fine_mg": settled})
    lot["origin_fine"] = {obligation["asmo"]: settled} if settled else {}


def _obligation(ctx: Context) -> Obligation:
    obligation = ctx.store.get("obligation", ctx.body["obligation_id"])
    if obligation is None:
        raise LedgerError(
            "unknown-obligation",
            "no such premium obligation",
            pointer="/body/obligation_id",
        )
    if obligation["currency"] != ctx.body["currency"]:
        raise invalid(f"the premium is owed in {obligation['currency']}", "/body/currency")
    return obligation


@entry_type(
    "premium.paid",
    Obj(
        {
            "obligation_id": OBLIGATION_ID,
            "amount": MONEY,
            "currency": CURRENCY,
            "paid_on": Date(),
            "evidence_commitment": terms.COMMITMENT,
        }
    ),
    roles={"first_buyer", "supplier", "licensee"},
    summary="The payer (the first buyer of labelled metal, or the buyer of credits) states a "
    "premium payment (possibly partial); its evidence (a bank reference) stays private behind "
    "a signed commitment.",
    private=terms.EVIDENCE,
)
def premium_paid(ctx: Context) -> None:
    obligation = _obligation(ctx)
    if obligation["payer"] != ctx.actor["id"]:
        raise forbidden("not-payer", f"the premium is owed by {obligation['payer']}")
    amount = ctx.body["amount"]
    if amount == 0:
        raise invalid("a payment is a positive amount", "/body/amount")
    if obligation["paid"] + amount > obligation["due"]:
        raise LedgerError(
            "overpayment",
            f"{obligation['due'] - obligation['paid']} {obligation['currency']} remain due",
            pointer="/body/amount",
        )
    if ctx.body["paid_on"] > ctx.day.isoformat():
        raise invalid("paid_on is in the future", "/body/paid_on")
    if (
        ctx.private is not None
        and terms.evidence_commitment(ctx.private) != ctx.body["evidence_commitment"]
    ):
        raise LedgerError(
            "evidence-mismatch",
            "the private evidence does not match the signed commitment",
            pointer="/private",
        )
    obligation["paid"] += amount
    obligation["payments"].append(
        {
            "seq": ctx.seq,
            "amount": amount,
            "paid_on": ctx.body["paid_on"],
            "evidence_commitment": ctx.body["evidence_commitment"],
        }
    )
    ctx.store.put("obligation", obligation)


@entry_type(
    "premium.confirmed",
    Obj(
        {
            "obligation_id": OBLIGATION_ID,
            "amount": MONEY,
            "currency": CURRENCY,
            "received_on": Date(),
        }
    ),
    roles={"asmo"},
    summary="The mine confirms it received premium money.",
)
def premium_confirmed(ctx: Context) -> None:
    obligation = _obligation(ctx)
    if obligation["asmo"] != ctx.actor["id"]:
        raise forbidden("not-payee", f"the premium is owed to {obligation['asmo']}")
    amount = ctx.body["amount"]
    if amount == 0 or obligation["confirmed"] + amount > obligation["paid"]:
        raise LedgerError(
            "over-confirmation",
            f"only {obligation['paid'] - obligation['confirmed']} "
            f"{obligation['currency']} are paid and unconfirmed",
            pointer="/body/amount",
        )
    obligation["confirmed"] += amount
    obligation["confirmations"].append(
        {"seq": ctx.seq, "amount": amount, "received_on": ctx.body["received_on"]}
    )
    ctx.store.put("obligation", obligation)
