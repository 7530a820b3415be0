"""Who is who: the genesis entry, party registration by ARM, and each party's keys."""

from __future__ import annotations

from typing import Unpack

from ledger.entry import verify_entry_signature
from ledger.entry_types import GENESIS, Context, entry_type
from ledger.errors import conflict, forbidden, invalid
from ledger.fields import (
    COUNTRY,
    KEY_ID,
    NAME,
    PARTY_ID,
    PUBLIC_KEY,
    TEXT,
    Int,
    List,
    Obj,
    Str,
)
from ledger.keys import PublicKey
from ledger.projections import Key, Party, PartyOptional
from ledger.types.market import RATE, put_rate
from ledger.types.witness_keys import is_witness_key

# Roles of DESIGN.md. ``operator`` and ``arm`` exist from genesis; ARM registers the others.
REGISTRABLE_ROLES = ("asmo", "first_buyer", "supplier", "licensee", "certifier")
ACTIVITIES = (
    "mining",
    "trading",
    "refining",
    "manufacturing",
    "casting",
    "retail",
    "certification",
)

DEFAULT_PARAMS = {
    "receipt_tolerance_bp": 10,
    "refining_loss_max_bp": 100,
    "assay_split_limit_bp": 5,
    "price_floor_bp": 9500,
    "premium_overdue_days": 30,
}

_FOUNDER = Obj({"party_id": PARTY_ID, "name": NAME, "country": COUNTRY, "public_key": PUBLIC_KEY})
_PARAMS = Obj(
    {
        "receipt_tolerance_bp": Int(
            maximum=10_000, description="weighing difference flagged above"
        ),
        "refining_loss_max_bp": Int(maximum=10_000, description="largest fine-metal loss allowed"),
        "assay_split_limit_bp": Int(maximum=10_000, description="assay difference flagged above"),
        "price_floor_bp": Int(maximum=10_000, description="ASMO price floor vs reference price"),
        "premium_overdue_days": Int(maximum=3650, description="days after sale a premium is due"),
    }
)


def add_key(ctx: Context, party_id: str, public_key: str) -> Key:
    """Register ``public_key`` for ``party_id``, valid from this entry's ``created_at``."""
    key = PublicKey.from_b64(public_key)
    if ctx.store.get("key", key.key_id) is not None:
        raise conflict("key-exists", f"key {key.key_id} is already registered")
    if is_witness_key(ctx.store, key.key_id):
        raise conflict("key-reuse", "this key cosigns checkpoints; entries need a key of their own")
    record: Key = {
        "id": key.key_id,
        "party": party_id,
        "public_key": key.b64,
        "valid_from": ctx.entry["created_at"],
        "added_seq": ctx.seq,
        "revoked_at": None,
        "revoked_seq": None,
    }
    ctx.store.put("key", record)
    return record


def add_party(
    ctx: Context,
    party_id: str,
    name: str,
    country: str,
    roles: list[str],
    **extra: Unpack[PartyOptional],
) -> None:
    """Create a party (refusing a duplicate id)."""
    if ctx.store.get("party", party_id) is not None:
        raise conflict("party-exists", f"party {party_id!r} is already registered")
    party: Party = {
        "id": party_id,
        "name": name,
        "country": country,
        "roles": sorted(roles),
        "registered_seq": ctx.seq,
        **extra,
    }
    ctx.store.put("party", party)


@entry_type(
    GENESIS,
    Obj(
        {
            "origin": Str(
                pattern=r"[a-z0-9.-]+(/[a-z0-9._-]+)*",
                max_len=128,
                description="the log's name, as used in checkpoints",
            ),
            "operator": _FOUNDER,
            "arm": _FOUNDER,
            "params": _PARAMS,
            "rates": List(RATE, min_items=0, max_items=50),
        }
    ),
    roles={"operator"},
    summary="First entry: names the ledger, its operator and ARM, the rule parameters and the "
    "premium rates the standard publishes.",
)
def genesis(ctx: Context) -> None:
    operator, arm = ctx.body["operator"], ctx.body["arm"]
    if ctx.entry["actor"] != operator["party_id"]:
        raise invalid("the genesis actor is the operator", "/actor")
    if operator["party_id"] == arm["party_id"] or operator["public_key"] == arm["public_key"]:
        raise invalid("operator and ARM must be distinct parties with distinct keys", "/body/arm")
    verify_entry_signature(ctx.entry, PublicKey.from_b64(operator["public_key"]))
    ctx.store.put(
        "meta",
        {
            "id": "ledger",
            "origin": ctx.body["origin"],
            "operator": operator["party_id"],
            "arm": arm["party_id"],
            "params": ctx.body["params"],
        },
    )
    for founder, role in ((operator, "operator"), (arm, "arm")):
        add_party(
            ctx,
            founder["party_id"],
            founder["name"],
            founder["country"],
            [role],
            activities=[],
        )
        add_key(ctx, founder["party_id"], founder["public_key"])
    for rate in ctx.body["rates"]:
        put_rate(ctx, rate)


@entry_type(
    "party.registered",
    Obj(
        {
            "party_id": PARTY_ID,
            "name": NAME,
            "country": COUNTRY,
            "roles": List(Str(choices=REGISTRABLE_ROLES), max_items=5, unique=True),
            "activities": List(Str(choices=ACTIVITIES), min_items=0, max_items=7, unique=True),
            "location": TEXT,
            "public_key": PUBLIC_KEY,
        },
        optional=frozenset({"location", "activities"}),
    ),
    roles={"arm"},
    summary="ARM registers a certification body or a supply-chain party with its first key.",
)
def party_registered(ctx: Context) -> None:
    body = ctx.body
    add_party(
        ctx,
        body["party_id"],
        body["name"],
        body["country"],
        body["roles"],
        activities=sorted(body.get("activities", [])),
        location=body.get("location"),
    )
    add_key(ctx, body["party_id"], body["public_key"])


def _own_or_arm(ctx: Context, party_id: str) -> Party:
    if ctx.actor["id"] != party_id and "arm" not in ctx.actor["roles"]:
        raise forbidden("not-own-key", "a party manages its own keys (or ARM does)")
    party = ctx.store.get("party", party_id)
    if party is None:
        raise invalid(f"no registered party {party_id!r}", "/body/party_id")
    return party


@entry_type(
    "key.added",
    Obj({"party_id": PARTY_ID, "public_key": PUBLIC_KEY}),
    roles={"operator", "arm", *REGISTRABLE_ROLES},
    summary="A party adds a signing key (rotation: add the new key, then revoke the old).",
)
def key_added(ctx: Context) -> None:
    _own_or_arm(ctx, ctx.body["party_id"])
    add_key(ctx, ctx.body["party_id"], ctx.body["public_key"])


@entry_type(
    "key.revoked",
    Obj(
        {"party_id": PARTY_ID, "key_id": KEY_ID, "reason": TEXT},
        optional=frozenset({"reason"}),
    ),
    roles={"operator", "arm", *REGISTRABLE_ROLES},
    summary="A party (or ARM) revokes a key; later entries signed with it are refused.",
)
def key_revoked(ctx: Context) -> None:
    party_id = ctx.body["party_id"]
    _own_or_arm(ctx, party_id)
    key = ctx.store.get("key", ctx.body["key_id"])
    if key is None or key["party"] != party_id:
        raise invalid("no such key for this party", "/body/key_id")
    if key["revoked_at"] is not None:
        raise conflict("key-already-revoked", f"revoked at seq {key['revoked_seq']}")
    active = [k for k in ctx.store.find("key", "party", party_id) if k["revoked_at"] is None]
    if len(active) == 1 and ctx.actor["id"] == party_id:
        raise conflict("last-key", "add a new key before revoking the last active one")
    key.update({"revoked_at": ctx.entry["created_at"], "revoked_seq": ctx.seq})
    ctx.store.put("key", key)
