"""Fairmined Credits (book and claim): one credit is one gram of fine metal a certified mine
produced and sold with its premium, without the metal travelling to the credit's holder.

A mine issues credits against a lot of its own labelled production that has not had its first
sale: the lot loses its label entirely (the metal goes to the market unlabelled), so a gram is
either Labelled metal or a credit, never both, and the certificate's capacity was already
counted when the lot was registered. Whole credits only: at most the lot's labelled fine metal
rounded down to the gram (split a lot first to keep part of it labelled). The issuance names
the credits' buyer and creates a premium obligation (``kind: credit``) owed by that buyer to
the mine; the credits move or are retired only once it is paid and confirmed.
"""

from __future__ import annotations

from ledger.entry_types import Context, entry_type
from ledger.errors import LedgerError, conflict, forbidden, invalid
from ledger.fairmined import ECOLOGICAL, LABELLED, NONE
from ledger.fields import HASH_HEX, LOT_ID, PARTY_ID, TEXT, Int, Obj, Str
from ledger.lotstate import held_lot, touch
from ledger.obligations import new_obligation
from ledger.origins import labelled_fine
from ledger.premium_state import settled
from ledger.projections import JSONObject
from ledger.standing import has_authorisation

MG_PER_CREDIT = 1_000
BATCH_ID = Str(pattern=r"FMC-[A-Z0-9][A-Z0-9-]{0,59}", max_len=64, description="credit batch")
RETIREMENT_ID = Str(pattern=r"RET-[A-Z0-9][A-Z0-9-]{0,59}", max_len=64, description="retirement")
CREDITS = Int(minimum=1, maximum=10**9, description="whole credits (1 credit = 1 g fine)")
HOLDER_ROLES = {"first_buyer", "supplier", "licensee"}
SCOPES = ("product", "year", "volume")


def get_batch(ctx: Context) -> JSONObject:
    """The batch named by the body, or ``unknown-credits``."""
    batch: JSONObject | None = ctx.store.get("credit_batch", ctx.body["batch_id"])
    if batch is None:
        raise LedgerError("unknown-credits", "no such credit batch", pointer="/body/batch_id")
    return batch


@entry_type(
    "credits.issued",
    Obj(
        {
            "batch_id": BATCH_ID,
            "lot_id": LOT_ID,
            "lot_head": HASH_HEX,
            "credits": CREDITS,
            "buyer": PARTY_ID,
        }
    ),
    roles={"asmo"},
    summary="A mine issues Fairmined Credits against its own labelled production before its "
    "first sale, to a buyer who owes the premium; the lot loses its label.",
)
def credits_issued(ctx: Context) -> None:
    body = ctx.body
    lot = held_lot(ctx, body["lot_id"], body["lot_head"])
    if lot["claim"] not in LABELLED or lot["first_sale"] != "pending":
        raise conflict(
            "not-own-production",
            f"{lot['id']} is not labelled production of {ctx.actor['id']} awaiting its first sale",
        )
    fine = body["credits"] * MG_PER_CREDIT
    if fine > labelled_fine(lot):
        raise LedgerError(
            "credits-exceed-production",
            f"{lot['id']} holds {labelled_fine(lot)} mg labelled fine metal, less than "
            f"{body['credits']} credits",
            pointer="/body/credits",
        )
    if ctx.store.get("credit_batch", body["batch_id"]) is not None:
        raise conflict("credits-exist", f"credit batch {body['batch_id']} exists")
    _require_holder(ctx, body["buyer"], "/body/buyer")
    if body["buyer"] == ctx.actor["id"]:
        raise invalid("the credits' buyer is another party", "/body/buyer")
    obligation = new_obligation(  # whole credits: no settlement assay follows
        ctx,
        lot,
        payer=body["buyer"],
        payer_role="credit_buyer",
        kind="credit",
        fine=fine,
        batch=body["batch_id"],
    )
    ctx.store.put("obligation", obligation)
    ctx.store.put(
        "credit_batch",
        {
            "id": body["batch_id"],
            "asmo": ctx.actor["id"],
            "metal": lot["metal"],
            "certification": lot["claim"],
            "lot": lot["id"],
            "credits": body["credits"],
            "obligation": obligation["id"],
            "issued_on": ctx.day.isoformat(),
            "issued_seq": ctx.seq,
            "balances": {body["buyer"]: body["credits"]},
            "holders": [body["buyer"]],
            "retired": 0,
            "history": [ctx.seq],
        },
    )
    lot.update(
        {"claim": NONE, "origin_fine": {}, "first_sale": None, "credited_as": body["batch_id"]}
    )
    touch(ctx, lot)


def _require_holder(ctx: Context, party_id: str, pointer: str) -> None:
    party = ctx.store.get("party", party_id)
    if party is None:
        raise invalid(f"no registered party {party_id!r}", pointer)
    if not has_authorisation(ctx, party):
        raise forbidden(
            "recipient-not-authorised", f"{party_id} holds no Fairmined authorisation today"
        )


def _spend(ctx: Context, batch: JSONObject, credits: int, action: str) -> None:
    """Take ``credits`` from the actor's balance: its own standing, the premium settled."""
    if not has_authorisation(ctx, ctx.actor):
        raise forbidden(
            "not-authorised", f"{ctx.actor['id']} holds no Fairmined authorisation today"
        )
    obligation = ctx.store.get("obligation", batch["obligation"])
    assert obligation is not None  # created with the batch
    if not settled(obligation):
        raise LedgerError(
            "premium-unsettled",
            f"cannot {action} {batch['id']}: premium {obligation['id']} owed to "
            f"{obligation['asmo']} is not confirmed ({obligation['confirmed']} of "
            f"{obligation['due']} {obligation['currency']})",
        )
    held = batch["balances"].get(ctx.actor["id"], 0)
    if credits > held:
        raise conflict(
            "insufficient-credits",
            f"{ctx.actor['id']} holds {held} credits of {batch['id']}",
        )
    _move(batch, ctx.actor["id"], -credits)
    batch["history"].append(ctx.seq)


def _move(batch: JSONObject, party: str, credits: int) -> None:
    balance = batch["balances"].get(party, 0) + credits
    if balance:
        batch["balances"][party] = balance
    else:
        batch["balances"].pop(party, None)
    batch["holders"] = sorted(batch["balances"])


@entry_type(
    "credits.transferred",
    Obj({"batch_id": BATCH_ID, "credits": CREDITS, "to": PARTY_ID}),
    roles=HOLDER_ROLES,
    summary="A holder transfers credits, once their premium is confirmed, to an authorised party.",
)
def credits_transferred(ctx: Context) -> None:
    batch = get_batch(ctx)
    if ctx.body["to"] == ctx.actor["id"]:
        raise invalid("credits are transferred to another party", "/body/to")
    _require_holder(ctx, ctx.body["to"], "/body/to")
    _spend(ctx, batch, ctx.body["credits"], "transfer")
    _move(batch, ctx.body["to"], ctx.body["credits"])
    ctx.store.put("credit_batch", batch)


@entry_type(
    "credits.retired",
    Obj(
        {
            "retirement_id": RETIREMENT_ID,
            "batch_id": BATCH_ID,
            "credits": CREDITS,
            "scope": Str(choices=SCOPES, description="what the claim covers"),
            "subject": TEXT,
            "lot_id": LOT_ID,
            "lot_head": HASH_HEX,
        },
        optional=frozenset({"lot_id", "lot_head"}),
    ),
    roles=HOLDER_ROLES,
    summary="A holder retires credits for a product, a year or a volume, once and for all; "
    "the ledger states the claim text it may use. A product lot it holds may be named.",
)
def credits_retired(ctx: Context) -> None:
    body = ctx.body
    batch = get_batch(ctx)
    if ctx.store.get("retirement", body["retirement_id"]) is not None:
        raise conflict("retirement-exists", f"retirement {body['retirement_id']} exists")
    if ("lot_id" in body) != ("lot_head" in body):
        raise invalid("lot_id and lot_head go together", "/body/lot_head")
    lot = held_lot(ctx, body["lot_id"], body["lot_head"]) if "lot_id" in body else None
    _spend(ctx, batch, body["credits"], "retire")
    batch["retired"] += body["credits"]
    ctx.store.put("credit_batch", batch)
    mine = ctx.store.get("party", batch["asmo"])
    assert mine is not None  # the batch's issuer
    retirement = {
        "id": body["retirement_id"],
        "batch": batch["id"],
        "party": ctx.actor["id"],
        "asmo": batch["asmo"],
        "metal": batch["metal"],
        "certification": batch["certification"],
        "credits": body["credits"],
        "scope": body["scope"],
        "subject": body["subject"],
        "lot": body.get("lot_id"),
        "day": ctx.day.isoformat(),
        "seq": ctx.seq,
        "claim_text": claim_text(body["credits"], batch, mine["name"], body["subject"]),
    }
    ctx.store.put("retirement", retirement)
    if lot is not None:
        lot["credit_retirements"] = [*lot.get("credit_retirements", []), retirement["id"]]
        touch(ctx, lot)


def claim_text(credits: int, batch: JSONObject, mine_name: str, subject: str) -> str:
    """The claim a retirement entitles its party to make, in plain words."""
    label = "Fairmined Ecological" if batch["certification"] == ECOLOGICAL else "Fairmined"
    return (
        f"{subject}: backed by {credits} {label} Credits ({credits} g of {label} "
        f"{batch['metal']} produced by {mine_name} and sold with its Fairmined premium paid); "
        "the credits do not trace the metal itself."
    )
