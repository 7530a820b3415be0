"""Witnesses: who may cosign the log's checkpoints, under which name and cosignature key.

A party (or ARM for it) registers a witness by stating its C2SP cosignature verifier key
(``name+hash+base64(0x04 || key)``, https://c2sp.org/tlog-cosignature). The name is a
schema-less URL, as the spec recommends (``witness.arm.example/gold-ledger``). A witness key is
never an entry-signing key and an entry-signing key is never a witness key, so a signature
made for one purpose can never be presented as the other. The registered keys are what the
service checks posted cosignatures against; verifiers take them out of band (``--witness``).
"""

from __future__ import annotations

from ledger.checkpoint import parse_cosigner_key
from ledger.entry_types import Context, entry_type
from ledger.errors import LedgerError, conflict, forbidden, invalid
from ledger.fields import PARTY_ID, TEXT, Obj, Str
from ledger.projections import JSONObject
from ledger.types.access import ALL_ROLES
from ledger.types.witness_keys import META_ID, witnesses

WITNESS_NAME = r"[a-z0-9-]+(\.[a-z0-9-]+)+(/[a-z0-9._-]+)*"
VERIFIER_KEY = Str(
    pattern=WITNESS_NAME + r"\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}",
    max_len=300,
    description="C2SP cosignature/v1 verifier key: schema-less URL name+hash+base64(0x04||key)",
)


def _save(ctx: Context, keys: list[JSONObject]) -> None:
    ctx.store.put("meta", {"id": META_ID, "keys": keys})


def _own_or_arm(ctx: Context, party_id: str) -> None:
    if ctx.actor["id"] != party_id and "arm" not in ctx.actor["roles"]:
        raise forbidden("not-own-witness", "a party registers its own witness (or ARM does)")
    if ctx.store.get("party", party_id) is None:
        raise invalid(f"no registered party {party_id!r}", "/body/party_id")


@entry_type(
    "witness.registered",
    Obj({"party_id": PARTY_ID, "verifier_key": VERIFIER_KEY}),
    roles=ALL_ROLES,
    summary="A party (or ARM for it) names a witness and its cosignature verifier key.",
)
def witness_registered(ctx: Context) -> None:
    _own_or_arm(ctx, ctx.body["party_id"])
    try:
        verifier = parse_cosigner_key(ctx.body["verifier_key"])
    except LedgerError as exc:
        raise invalid(exc.detail, "/body/verifier_key") from exc
    key_id = verifier.public_key.key_id
    if ctx.store.get("key", key_id) is not None:
        raise conflict("key-reuse", "this key signs entries; a witness needs a key of its own")
    keys = witnesses(ctx.store)
    if any(w["key_id"] == key_id for w in keys):
        raise conflict("witness-exists", "this witness key is already registered")
    meta = ctx.store.get("meta", "ledger")
    if verifier.name == meta["origin"]:
        raise invalid("a witness may not take the log's own name", "/body/verifier_key")
    if any(w["name"] == verifier.name and w["revoked_seq"] is None for w in keys):
        raise conflict("witness-exists", f"witness {verifier.name} already has an active key")
    keys.append(
        {
            "key_id": key_id,
            "name": verifier.name,
            "party": ctx.body["party_id"],
            "verifier_key": ctx.body["verifier_key"],
            "registered_seq": ctx.seq,
            "revoked_seq": None,
        }
    )
    _save(ctx, keys)


@entry_type(
    "witness.revoked",
    Obj(
        {"party_id": PARTY_ID, "verifier_key": VERIFIER_KEY, "reason": TEXT},
        optional=frozenset({"reason"}),
    ),
    roles=ALL_ROLES,
    summary="A party (or ARM) retires a witness key; its cosignatures are no longer accepted.",
)
def witness_revoked(ctx: Context) -> None:
    _own_or_arm(ctx, ctx.body["party_id"])
    keys = witnesses(ctx.store)
    found = [
        w
        for w in keys
        if w["verifier_key"] == ctx.body["verifier_key"] and w["party"] == ctx.body["party_id"]
    ]
    if not found:
        raise invalid("no such witness key for this party", "/body/verifier_key")
    if found[0]["revoked_seq"] is not None:
        raise conflict("witness-already-revoked", f"revoked at seq {found[0]['revoked_seq']}")
    found[0]["revoked_seq"] = ctx.seq
    _save(ctx, keys)
