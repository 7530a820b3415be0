"""Every problem code the ledger and its service answer with: its title and its category.

The one list of codes. ``LedgerError`` takes its category from here, the service maps each
category to an HTTP status, and the OpenAPI document and ``/problems/<code>`` are built from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Final, NamedTuple


class Category(StrEnum):
    """What kind of refusal a code is."""

    REQUEST = "request"  # the request cannot be read as sent
    UNAUTHENTICATED = "unauthenticated"  # no valid credentials
    FORBIDDEN = "forbidden"  # the caller or signer may not do this
    NOT_FOUND = "not-found"  # what is named does not exist
    METHOD_NOT_ALLOWED = "method-not-allowed"
    CONFLICT = "conflict"  # the ledger's current state refuses it
    TOO_LARGE = "too-large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported-media-type"
    INVALID = "invalid"  # the entry, body or parameters break a rule
    RATE_LIMITED = "rate-limited"
    INTERNAL = "internal"  # a fault of the service; nothing was written
    UNAVAILABLE = "unavailable"  # busy or restarting; retrying may succeed


class Problem(NamedTuple):
    """A registered code's category and its one-line title."""

    category: Category
    title: str


REQUEST: Final = Category.REQUEST
UNAUTHENTICATED: Final = Category.UNAUTHENTICATED
FORBIDDEN: Final = Category.FORBIDDEN
NOT_FOUND: Final = Category.NOT_FOUND
CONFLICT: Final = Category.CONFLICT
INVALID: Final = Category.INVALID

# The web service's answers about the request itself, whatever it asks.
SERVICE: Final[Mapping[str, Problem]] = {
    "malformed-json": Problem(REQUEST, "The request body is not valid JSON"),
    "csrf-failed": Problem(REQUEST, "The form's CSRF token is missing or not valid"),
    "http-error": Problem(REQUEST, "HTTP error"),  # any other HTTP error, with its own status
    "authentication-required": Problem(UNAUTHENTICATED, "Present a valid API token"),
    "forbidden": Problem(FORBIDDEN, "The caller may not read this resource"),
    "not-found": Problem(NOT_FOUND, "No such resource"),
    "method-not-allowed": Problem(Category.METHOD_NOT_ALLOWED, "Method not allowed"),
    "too-large": Problem(Category.TOO_LARGE, "The request body is too large"),
    "unsupported-media-type": Problem(Category.UNSUPPORTED_MEDIA_TYPE, "Send application/json"),
    "invalid-request": Problem(INVALID, "The request parameters are not valid"),
    "rate-limited": Problem(Category.RATE_LIMITED, "Too many requests; retry later"),
    "internal-error": Problem(Category.INTERNAL, "Internal error"),
    "unavailable": Problem(Category.UNAVAILABLE, "The service is busy; retry"),
}

# Checks the service makes when it admits an entry, besides the rules (never on replay).
ADMISSION: Final[Mapping[str, Problem]] = {
    "clock-skew": Problem(INVALID, "created_at is in the future"),
    "entry-too-old": Problem(INVALID, "created_at is too far in the past"),
    "nonce-reused": Problem(CONFLICT, "The nonce was already used for a different entry"),
}

# What the rules refuse when an entry is applied to the ledger's state.
RULES: Final[Mapping[str, Problem]] = {
    # entry shape and signatures
    "invalid-entry": Problem(INVALID, "The entry or its body is not valid"),
    "unknown-actor": Problem(FORBIDDEN, "The actor is not a registered party"),
    "unknown-key": Problem(FORBIDDEN, "The key is not registered"),
    "wrong-key": Problem(FORBIDDEN, "The key belongs to another party"),
    "revoked-key": Problem(FORBIDDEN, "The key is revoked"),
    "key-not-yet-valid": Problem(FORBIDDEN, "The entry predates its key"),
    "bad-signature": Problem(FORBIDDEN, "The signature does not verify"),
    "role-not-allowed": Problem(FORBIDDEN, "The actor's role may not state this entry type"),
    "genesis-only-first": Problem(CONFLICT, "The genesis entry is exactly the first"),
    # identity
    "party-exists": Problem(CONFLICT, "The party is already registered"),
    "key-exists": Problem(CONFLICT, "The key is already registered"),
    "not-own-key": Problem(FORBIDDEN, "A party manages only its own keys"),
    "key-already-revoked": Problem(CONFLICT, "The key is already revoked"),
    "last-key": Problem(CONFLICT, "The last active key cannot be revoked by its party"),
    # certification and authorisation
    "wrong-role": Problem(INVALID, "The party is not registered in the required role"),
    "not-certifier": Problem(
        FORBIDDEN, "Only the issuing certification body may change the certificate"
    ),
    "certificate-exists": Problem(CONFLICT, "The certificate number is already used"),
    "certificate-not-active": Problem(CONFLICT, "The certificate is not active"),
    "certificate-not-suspended": Problem(CONFLICT, "The certificate is not suspended"),
    "no-certificate": Problem(INVALID, "The ASMO holds no Fairmined certificate"),
    "certificate-scope": Problem(INVALID, "No certificate covers this metal and claim"),
    "certificate-expired": Problem(INVALID, "The mine's certificate has expired"),
    "certificate-suspended": Problem(INVALID, "The mine's certificate is suspended"),
    "certificate-withdrawn": Problem(INVALID, "The mine's certificate is withdrawn"),
    "certificate-not-yet-valid": Problem(INVALID, "The mine's certificate is not yet valid"),
    "not-authorised": Problem(FORBIDDEN, "The party holds no active authorisation"),
    "authorisation-not-active": Problem(CONFLICT, "The authorisation is not active"),
    "recipient-not-authorised": Problem(
        FORBIDDEN, "The recipient is not authorised to receive this lot"
    ),
    "production-outside-certificate": Problem(
        INVALID, "The production period lies outside the certificate"
    ),
    "capacity-exceeded": Problem(INVALID, "The registration exceeds the mine's certified capacity"),
    "capacity-not-artisanal": Problem(
        INVALID, "The capacity exceeds what the miners can produce artisanally"
    ),
    # lots
    "unknown-lot": Problem(NOT_FOUND, "No such lot"),
    "lot-exists": Problem(CONFLICT, "The lot already exists"),
    "not-holder": Problem(FORBIDDEN, "Only the current holder may act on the lot"),
    "stale-head": Problem(CONFLICT, "The lot changed since the given lot_head"),
    "lot-in-transit": Problem(CONFLICT, "The lot is in transit"),
    "lot-not-active": Problem(CONFLICT, "The lot is no longer held by anyone"),
    "claim-requires-asmo": Problem(FORBIDDEN, "Only a certified ASMO registers labelled lots"),
    "ecological-process": Problem(
        INVALID, "Ecological Gold requires mercury-free, cyanide-free processing"
    ),
    "sale-required": Problem(
        INVALID, "A labelled lot leaves the mine only to the buyer it was sold to"
    ),
    "not-recipient": Problem(FORBIDDEN, "The lot is not in transit to this party"),
    "claim-requires-label": Problem(INVALID, "The lot carries no Fairmined label"),
    "already-claimed": Problem(CONFLICT, "The lot is already claimed"),
    "premium-unsettled": Problem(INVALID, "Premiums owed on the lot's origin are not settled"),
    "weight-dispute": Problem(CONFLICT, "The lot is held until its weighing dispute is reconciled"),
    "no-dispute": Problem(CONFLICT, "The lot has no open weighing dispute"),
    "not-party-to-dispute": Problem(
        FORBIDDEN, "Only the sender, the receiver or ARM settles a weighing dispute"
    ),
    "cosignature-required": Problem(FORBIDDEN, "The other party's cosignature is required"),
    "bad-cosignature": Problem(FORBIDDEN, "The cosignature does not verify"),
    "not-frozen": Problem(CONFLICT, "The lot's keeper holds an active authorisation"),
    "not-correctable": Problem(INVALID, "Only the lot's current mass statement can be corrected"),
    "not-own-statement": Problem(FORBIDDEN, "A party corrects only its own statements"),
    # market, sales and premiums
    "rate-exists": Problem(CONFLICT, "The premium rate exists; add a new version"),
    "no-premium-rate": Problem(INVALID, "No premium rate is effective on that day"),
    "price-exists": Problem(CONFLICT, "A reference price for that day exists"),
    "no-reference-price": Problem(INVALID, "No recent reference price"),
    "already-sold": Problem(CONFLICT, "The lot is already sold"),
    "price-below-floor": Problem(INVALID, "The price is below the Fairmined price floor"),
    "terms-mismatch": Problem(INVALID, "The private terms do not match the signed commitment"),
    "unknown-obligation": Problem(NOT_FOUND, "No such premium obligation"),
    "not-payer": Problem(FORBIDDEN, "Only the payer records a premium payment"),
    "overpayment": Problem(INVALID, "The payment exceeds the premium due"),
    "evidence-mismatch": Problem(
        INVALID, "The private payment evidence does not match the signed commitment"
    ),
    "not-payee": Problem(FORBIDDEN, "Only the ASMO owed the premium confirms it"),
    "over-confirmation": Problem(INVALID, "The confirmation exceeds the amount paid"),
    "settlement-not-open": Problem(CONFLICT, "The lot awaits no settlement assay"),
    # transformations
    "metal-mismatch": Problem(INVALID, "Inputs of different metals cannot be combined"),
    "split-not-exact": Problem(INVALID, "The parts of a split must add up to the lot exactly"),
    "not-refiner": Problem(FORBIDDEN, "Only a registered refiner refines"),
    "fine-metal-created": Problem(INVALID, "The outputs hold more fine metal than the inputs"),
    "excess-loss": Problem(INVALID, "The fine-metal loss exceeds the tolerance"),
    "not-manufacturer": Problem(FORBIDDEN, "Only a jeweller or caster alloys metal"),
    "alloy-not-added": Problem(INVALID, "An alloy weighs more than the metal it is made from"),
    "fineness-mismatch": Problem(INVALID, "The fineness is not the one the masses imply"),
    # supply models: exchange rates, Fairmined Credits, mass balance
    "no-exchange-rate": Problem(
        INVALID, "ARM has posted no exchange rate for the sale's currency that week"
    ),
    "not-own-production": Problem(
        CONFLICT,
        "Credits are issued only on the mine's own labelled production before its first sale",
    ),
    "credits-exceed-production": Problem(
        INVALID, "More credits than the lot's labelled fine grams"
    ),
    "credits-exist": Problem(CONFLICT, "The credit batch id is already used"),
    "unknown-credits": Problem(NOT_FOUND, "No such credit batch"),
    "insufficient-credits": Problem(CONFLICT, "The party holds fewer credits of the batch"),
    "retirement-exists": Problem(CONFLICT, "The retirement id is already used"),
    "account-exists": Problem(CONFLICT, "The mass-balance account id is already used"),
    "unknown-account": Problem(NOT_FOUND, "No such mass-balance account"),
    "not-account-holder": Problem(FORBIDDEN, "The account is kept by another party"),
    "mass-balance-overdraw": Problem(
        INVALID, "More fine metal than the account holds for the period"
    ),
    # access tokens
    "token-exists": Problem(CONFLICT, "The token id is already used"),
    "not-own-token": Problem(FORBIDDEN, "A party revokes only its own tokens"),
    "token-already-revoked": Problem(CONFLICT, "The token is already revoked"),
    # witnesses and publication
    "key-reuse": Problem(CONFLICT, "Entry-signing keys and witness keys must be distinct"),
    "not-own-witness": Problem(FORBIDDEN, "A party registers only its own witness (or ARM does)"),
    "witness-exists": Problem(CONFLICT, "The witness key or name is already registered"),
    "witness-already-revoked": Problem(CONFLICT, "The witness key is already revoked"),
    "already-published": Problem(CONFLICT, "The lot is already public"),
}

# Proofs, checkpoints, signed notes, cosignatures and provenance bundles.
PROOFS: Final[Mapping[str, Problem]] = {
    "invalid-proof": Problem(INVALID, "The Merkle proof does not verify"),
    "invalid-range": Problem(INVALID, "The tree sizes or index are out of range"),
    "invalid-note": Problem(INVALID, "The signed note does not verify"),
    "invalid-key": Problem(INVALID, "The verifier key is malformed"),
    "invalid-checkpoint": Problem(
        INVALID, "The checkpoint is malformed or its signature does not verify"
    ),
    "inconsistent-checkpoint": Problem(CONFLICT, "The checkpoint is not consistent with the log"),
    "empty-log": Problem(CONFLICT, "The ledger has no genesis entry yet"),
    "unknown-checkpoint": Problem(NOT_FOUND, "No checkpoint of that size"),
    "invalid-cosignature": Problem(
        INVALID, "The posted cosignatures do not all verify against a witness key"
    ),
    "invalid-bundle": Problem(INVALID, "The provenance bundle does not verify"),
    "policy-not-met": Problem(INVALID, "The bundle does not meet the verifier's policy"),
}


def _one_list(*sections: Mapping[str, Problem]) -> Mapping[str, Problem]:
    merged: dict[str, Problem] = {}
    for section in sections:
        twice = merged.keys() & section.keys()
        if twice:
            raise ValueError(f"problem codes registered twice: {sorted(twice)}")
        merged.update(section)
    return MappingProxyType(merged)


PROBLEMS: Final = _one_list(SERVICE, ADMISSION, RULES, PROOFS)
"""Every code, by name."""


def problem(code: str) -> Problem:
    """The registered ``code``; an unregistered one is a ``ValueError`` (never a refusal)."""
    try:
        return PROBLEMS[code]
    except KeyError:
        raise ValueError(f"unregistered problem code {code!r}") from None
