"""Certificates of ASMOs (stated by certification bodies) and authorisations (stated by ARM)."""

from __future__ import annotations

from datetime import date

from ledger.entry_types import Context, entry_type
from ledger.errors import LedgerError, conflict, forbidden, invalid
from ledger.fairmined import (
    DEFAULT_FINE_MG_PER_MINER_YEAR,
    MAX_FINE_MG_PER_MINER_YEAR,
    MAX_MINERS,
    certificate_problem,
    certificate_year,
    covers,
    in_period,
)
from ledger.fields import PARTY_ID, TEXT, Bool, Date, Int, List, Obj, Str
from ledger.projections import Certificate, Party

METALS = ("gold", "silver", "platinum")
CERT_ID = Str(pattern=r"[A-Z0-9][A-Z0-9-]{2,63}", max_len=64, description="certificate number")
AUTHORISABLE = ("first_buyer", "supplier", "licensee")


def _party_with_role(ctx: Context, party_id: str, role: str, pointer: str) -> Party:
    party = ctx.store.get("party", party_id)
    if party is None:
        raise invalid(f"no registered party {party_id!r}", pointer)
    if role not in party["roles"]:
        raise LedgerError("wrong-role", f"{party_id} is not registered as {role}", pointer=pointer)
    return party


def _own_certificate(ctx: Context) -> Certificate:
    certificate = ctx.store.get("certificate", ctx.body["certificate_id"])
    if certificate is None:
        raise invalid("no such certificate", "/body/certificate_id")
    if certificate["certifier"] != ctx.actor["id"]:
        raise forbidden("not-certifier", "only the issuing certification body may change it")
    return certificate


def _set_status(ctx: Context, certificate: Certificate, status: str) -> None:
    certificate["status"] = status
    certificate["history"].append(
        {"seq": ctx.seq, "status": status, "reason": ctx.body.get("reason")}
    )
    ctx.store.put("certificate", certificate)


@entry_type(
    "certificate.issued",
    Obj(
        {
            "certificate_id": CERT_ID,
            "party_id": PARTY_ID,
            "metals": List(Str(choices=METALS), max_items=3, unique=True),
            "ecological": Bool(description="covers Fairmined Ecological"),
            "valid_from": Date(),
            "valid_to": Date(),
            "miners": Int(minimum=1, maximum=MAX_MINERS, description="miners in the scope"),
            "capacity_fine_mg_per_year": Int(
                minimum=1,
                maximum=MAX_MINERS * MAX_FINE_MG_PER_MINER_YEAR,
                description="certified production cap, mg fine metal per certificate year "
                f"(default: {DEFAULT_FINE_MG_PER_MINER_YEAR} per miner)",
            ),
        },
        optional=frozenset({"capacity_fine_mg_per_year"}),
    ),
    roles={"certifier"},
    summary="A certification body certifies an ASMO for metals (and Ecological scope) "
    "for a period, with its certified capacity (miners, fine metal per year).",
)
def certificate_issued(ctx: Context) -> None:
    body = ctx.body
    _party_with_role(ctx, body["party_id"], "asmo", "/body/party_id")
    if ctx.store.get("certificate", body["certificate_id"]) is not None:
        raise conflict("certificate-exists", "this certificate number is already used")
    if date.fromisoformat(body["valid_to"]) < date.fromisoformat(body["valid_from"]):
        raise invalid("valid_to is before valid_from", "/body/valid_to")
    miners = body["miners"]
    capacity = body.get("capacity_fine_mg_per_year", miners * DEFAULT_FINE_MG_PER_MINER_YEAR)
    if capacity > miners * MAX_FINE_MG_PER_MINER_YEAR:
        raise LedgerError(
            "capacity-not-artisanal",
            f"{miners} artisanal miners produce at most "
            f"{miners * MAX_FINE_MG_PER_MINER_YEAR} mg fine metal a year",
            pointer="/body/capacity_fine_mg_per_year",
        )
    ctx.store.put(
        "certificate",
        {
            "id": body["certificate_id"],
            "party": body["party_id"],
            "certifier": ctx.actor["id"],
            "metals": sorted(body["metals"]),
            "ecological": body["ecological"],
            "valid_from": body["valid_from"],
            "valid_to": body["valid_to"],
            "status": "active",
            "miners": miners,
            "capacity_fine_mg_per_year": capacity,
            "capacity_used": {},
            "issued_seq": ctx.seq,
            "history": [{"seq": ctx.seq, "status": "active", "reason": None}],
        },
    )


_CHANGE = Obj({"certificate_id": CERT_ID, "reason": TEXT}, optional=frozenset({"reason"}))


@entry_type(
    "certificate.suspended",
    _CHANGE,
    roles={"certifier"},
    summary="The certification body suspends a certificate.",
)
def certificate_suspended(ctx: Context) -> None:
    certificate = _own_certificate(ctx)
    if certificate["status"] != "active":
        raise conflict("certificate-not-active", f"the certificate is {certificate['status']}")
    _set_status(ctx, certificate, "suspended")


@entry_type(
    "certificate.reinstated",
    _CHANGE,
    roles={"certifier"},
    summary="The certification body lifts a suspension.",
)
def certificate_reinstated(ctx: Context) -> None:
    certificate = _own_certificate(ctx)
    if certificate["status"] != "suspended":
        raise conflict("certificate-not-suspended", f"the certificate is {certificate['status']}")
    _set_status(ctx, certificate, "active")


@entry_type(
    "certificate.withdrawn",
    _CHANGE,
    roles={"certifier"},
    summary="The certification body withdraws a certificate for good.",
)
def certificate_withdrawn(ctx: Context) -> None:
    certificate = _own_certificate(ctx)
    if certificate["status"] == "withdrawn":
        raise conflict("certificate-not-active", "the certificate is already withdrawn")
    _set_status(ctx, certificate, "withdrawn")


def require_certified(ctx: Context, asmo: str, metal: str, claim: str) -> Certificate:
    """The ASMO's certificate covering ``metal``/``claim`` active today, or a specific refusal."""
    certificates = ctx.store.find("certificate", "party", asmo)
    if not certificates:
        raise LedgerError("no-certificate", f"{asmo} holds no Fairmined certificate")
    in_scope = [c for c in certificates if covers(c, metal, claim)]
    if not in_scope:
        raise LedgerError(
            "certificate-scope", f"no certificate of {asmo} covers {metal} as {claim}"
        )
    problems = []
    for certificate in in_scope:
        problem = certificate_problem(certificate, ctx.day)
        if problem is None:
            return certificate
        problems.append(problem)
    raise LedgerError(problems[0], f"{asmo}'s certificate is not active on {ctx.day}")


def require_production_within(
    certificate: Certificate, production_from: str, production_to: str
) -> None:
    """A lot's declared production period lies inside the certificate's validity."""
    if not certificate["valid_from"] <= production_from <= production_to <= certificate["valid_to"]:
        raise LedgerError(
            "production-outside-certificate",
            f"production {production_from}..{production_to} is outside certificate "
            f"{certificate['id']} ({certificate['valid_from']}..{certificate['valid_to']})",
            pointer="/body/production_from",
        )


def use_capacity(ctx: Context, certificate: Certificate, fine: int) -> None:
    """Count ``fine`` mg against the certificate year's cap, refusing ``capacity-exceeded``."""
    year = certificate_year(date.fromisoformat(certificate["valid_from"]), ctx.day).isoformat()
    used = certificate["capacity_used"].get(year, 0) + fine
    cap = certificate["capacity_fine_mg_per_year"]
    if used > cap:
        raise LedgerError(
            "capacity-exceeded",
            f"{certificate['party']} would register {used} mg fine metal in the certificate "
            f"year from {year}, over its certified capacity of {cap} mg",
            pointer="/body/gross_mg",
        )
    certificate["capacity_used"][year] = used
    ctx.store.put("certificate", certificate)


@entry_type(
    "authorisation.granted",
    Obj(
        {
            "party_id": PARTY_ID,
            "role": Str(choices=AUTHORISABLE),
            "valid_from": Date(),
            "valid_to": Date(),
        }
    ),
    roles={"arm"},
    summary="ARM authorises a First Authorized Buyer, Authorized Supplier or Licensee.",
)
def authorisation_granted(ctx: Context) -> None:
    body = ctx.body
    _party_with_role(ctx, body["party_id"], body["role"], "/body/party_id")
    if date.fromisoformat(body["valid_to"]) < date.fromisoformat(body["valid_from"]):
        raise invalid("valid_to is before valid_from", "/body/valid_to")
    key = f"{body['party_id']}:{body['role']}"
    earlier = ctx.store.get("authorisation", key)
    ctx.store.put(
        "authorisation",
        {
            "id": key,
            "party": body["party_id"],
            "role": body["role"],
            "valid_from": body["valid_from"],
            "valid_to": body["valid_to"],
            "revoked_seq": None,
            "granted_seq": ctx.seq,
            "history": [*(earlier["history"] if earlier else []), ctx.seq],
        },
    )


@entry_type(
    "authorisation.revoked",
    Obj(
        {"party_id": PARTY_ID, "role": Str(choices=AUTHORISABLE), "reason": TEXT},
        optional=frozenset({"reason"}),
    ),
    roles={"arm"},
    summary="ARM revokes an authorisation.",
)
def authorisation_revoked(ctx: Context) -> None:
    key = f"{ctx.body['party_id']}:{ctx.body['role']}"
    authorisation = ctx.store.get("authorisation", key)
    if authorisation is None or authorisation["revoked_seq"] is not None:
        raise conflict("authorisation-not-active", f"{key} holds no active authorisation")
    authorisation["revoked_seq"] = ctx.seq
    authorisation["history"].append(ctx.seq)
    ctx.store.put("authorisation", authorisation)


def is_authorised(ctx: Context, party_id: str, role: str) -> bool:
    """Whether ``party_id`` holds an unrevoked ``role`` authorisation covering today."""
    found = ctx.store.get("authorisation", f"{party_id}:{role}")
    return bool(
        found
        and found["revoked_seq"] is None
        and in_period(found["valid_from"], found["valid_to"], ctx.day)
    )
