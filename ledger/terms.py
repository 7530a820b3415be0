"""Commercial terms kept out of the public log: signed as a salted commitment, opened privately.

A sale's price and a premium payment's evidence (a bank reference) are commercial; both are
committed alike. The seller signs only ``terms_commitment`` = SHA-256 of
``TERMS_PREFIX`` + canonical JSON of ``{price, currency, salt}``; the terms themselves travel
beside the entry (the submission's ``private`` member), are checked by the service against the
commitment and the rules (price floor), and are stored apart from the log. Public provenance
bundles carry the commitment only; anyone given the terms can check them against the signature.
"""

from __future__ import annotations

import hashlib
import secrets

from ledger.canonical import canonical_bytes
from ledger.fields import CURRENCY, HASH_HEX, MONEY, Obj, Str
from ledger.projections import JSONObject

TERMS_PREFIX = b"gold-ledger/terms/v1\n"
TERMS = Obj(
    {
        "price": MONEY,
        "currency": CURRENCY,
        "salt": Str(pattern=r"[A-Za-z0-9_-]{22,64}", min_len=22, max_len=64),
    }
)
COMMITMENT = HASH_HEX


def commitment(terms: JSONObject) -> str:
    """Hex SHA-256 commitment to ``terms``."""
    return hashlib.sha256(TERMS_PREFIX + canonical_bytes(terms)).hexdigest()


def seal(price: int, currency: str) -> tuple[JSONObject, str]:
    """Fresh terms with a random salt, and their commitment."""
    terms = {"price": price, "currency": currency, "salt": secrets.token_urlsafe(24)}
    return terms, commitment(terms)


def split_submission(document: object) -> tuple[object, JSONObject | None]:
    """Separate a submission into the signed entry and its unsigned ``private`` member."""
    if isinstance(document, dict) and "private" in document:
        entry = {k: v for k, v in document.items() if k != "private"}
        return entry, document["private"]
    return document, None


EVIDENCE_PREFIX = b"gold-ledger/evidence/v1\n"
EVIDENCE = Obj(
    {
        "evidence": Str(max_len=1000, description="payment evidence, e.g. a bank reference"),
        "salt": Str(pattern=r"[A-Za-z0-9_-]{22,64}", min_len=22, max_len=64),
    }
)


def evidence_commitment(evidence: JSONObject) -> str:
    """Hex SHA-256 commitment to a premium payment's ``{evidence, salt}``."""
    return hashlib.sha256(EVIDENCE_PREFIX + canonical_bytes(evidence)).hexdigest()


def seal_evidence(reference: str) -> tuple[JSONObject, str]:
    """Payment evidence with a random salt, and its commitment (``premium.paid`` signs it)."""
    evidence = {"evidence": reference, "salt": secrets.token_urlsafe(24)}
    return evidence, evidence_commitment(evidence)
