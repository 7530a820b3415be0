"""Every problem code of the rules, by name: one entry that triggers it and one that passes.

Table-driven on the pure core (``apply_entry`` over a ``MemoryStore``; no HTTP, no database).
Each row prepares a small certified supply chain to the point where the rule matters, then
states a refused entry (asserting the code by name and that nothing was written) and a
neighbouring entry that the same rule accepts. A last test holds the table to the rules' codes
in ``ledger.problem_codes.RULES``, so a new rule without a row fails here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from ledger_book import DAY, MERCURY, NEXT_YEAR, TODAY, YEAR_AGO, Book
from supply_steps import SUPPLY_ROWS

from ledger.checkpoint import cosigner_key
from ledger.client import Signer
from ledger.errors import LedgerError
from ledger.fairmined import SEED_RATES
from ledger.keys import PrivateKey
from ledger.problem_codes import RULES
from ledger.state import MemoryStore
from ledger.timefmt import format_instant

# A step: (party, entry type, body) or (party, entry type, body, private), or a signed entry
# already made (a dict with a signature), or a callable building one of these from the book.
Step = tuple | dict | Callable[[Book], tuple | dict]


@dataclass(frozen=True)
class Row:
    """Prepare the book, then ``bad`` is refused with the row's code and ``good`` accepted."""

    prepare: Callable[[Book], object]
    bad: Callable[[Book], Step]
    good: Callable[[Book], Step]


def _nothing(book: Book) -> None:
    return None


def _then(*steps: Callable[[Book], object]) -> Callable[[Book], None]:
    def prepare(book: Book) -> None:
        for step in steps:
            step(book)

    return prepare


def _key_rotated(book: Book) -> None:
    """``fab`` adds a second key and revokes its first."""
    old = book.signers["fab"]
    new = Signer("fab", PrivateKey.generate())
    book.state("fab", "key.added", {"party_id": "fab", "public_key": new.key.public.b64})
    book.signers["fab"] = new
    book.state("fab", "key.revoked", {"party_id": "fab", "key_id": old.key.key_id})
    book.signers["fab-old"] = old


def _tampered(book: Book) -> dict:
    entry = book.signers["fab"].entry("token.issued", _token("a" * 16))
    entry["body"]["label"] = "changed after signing"
    return entry


def _token(token_id: str) -> dict:
    expires = format_instant(datetime.now(UTC) + timedelta(days=30))
    return {"token_id": token_id, "secret_hash": "0" * 64, "expires_at": expires}


def _late_key(book: Book) -> None:
    book.signers["fab-new"] = Signer("fab", PrivateKey.generate())
    body = {"party_id": "fab", "public_key": book.signers["fab-new"].key.public.b64}
    book.state("fab", "key.added", body)


def _signed_before_key(book: Book, hours: int) -> dict:
    moment = format_instant(datetime.now(UTC) - timedelta(hours=hours))
    return book.signers["fab-new"].entry("token.issued", _token("b" * 16), created_at=moment)


def _reg(party: str = "mine", lot_id: str = "LOT-9", **changes):
    return lambda b: (party, "lot.registered", b.registration(lot_id, party, **changes))


def _rate(rate_id: str) -> dict:
    return {**SEED_RATES[0], "rate_id": rate_id, "effective_from": DAY}


def _price(day: str) -> dict:
    return {"metal": "silver", "day": day, "currency": "USD", "price_per_troy_oz": 25_00}


def _mine_sale(cents: int, tamper: bool = False):
    def step(book: Book):
        body, private = book.sale("LOT-1", cents_per_mg=cents)
        if tamper:
            private = {**private, "price": private["price"] + 1}
        return ("mine", "lot.sold", body, private)

    return step


ROWS: dict[str, Row] = {
    # --- envelope, authentication, roles ---------------------------------------------------
    "invalid-entry": Row(
        _nothing,
        lambda b: ("fab", "token.issued", {**_token("c" * 16), "extra": 1}),
        lambda b: ("fab", "token.issued", _token("c" * 16)),
    ),
    "unknown-actor": Row(
        _nothing,
        lambda b: Signer("nobody", b.signers["fab"].key).entry("token.issued", _token("d" * 16)),
        lambda b: b.signers["fab"].entry("token.issued", _token("d" * 16)),
    ),
    "unknown-key": Row(
        _nothing,
        lambda b: Signer("fab", PrivateKey.generate()).entry("token.issued", _token("e" * 16)),
        lambda b: b.signers["fab"].entry("token.issued", _token("e" * 16)),
    ),
    "wrong-key": Row(
        _nothing,
        lambda b: Signer("fab", b.signers["refiner"].key).entry("token.issued", _token("f" * 16)),
        lambda b: Signer("refiner", b.signers["refiner"].key).entry(
            "token.issued", _token("f" * 16)
        ),
    ),
    "revoked-key": Row(
        _key_rotated,
        lambda b: b.signers["fab-old"].entry("token.issued", _token("g" * 16)),
        lambda b: b.signers["fab"].entry("token.issued", _token("g" * 16)),
    ),
    "key-not-yet-valid": Row(
        _late_key,
        lambda b: _signed_before_key(b, 2),
        lambda b: b.signers["fab-new"].entry("token.issued", _token("b" * 16)),
    ),
    "bad-signature": Row(
        _nothing,
        _tampered,
        lambda b: b.signers["fab"].entry("token.issued", _token("a" * 16)),
    ),
    "role-not-allowed": Row(
        _nothing,
        lambda b: ("fab", "premium_rate.set", _rate("gold-fab-2026")),
        lambda b: ("arm", "premium_rate.set", _rate("gold-fab-2026")),
    ),
    "genesis-only-first": Row(
        _nothing,
        lambda b: b.signers["operator"].entry("ledger.genesis", b.genesis_body()),
        lambda b: ("arm", "premium_rate.set", _rate("gold-after-genesis")),
    ),
    # --- parties, keys, tokens ----------------------------------------------------------------
    "party-exists": Row(
        _nothing,
        lambda b: ("arm", "party.registered", _party("fab")),
        lambda b: ("arm", "party.registered", _party("fab-three")),
    ),
    "key-exists": Row(
        _nothing,
        lambda b: ("fab", "key.added", {"party_id": "fab", **_pub(b.signers["fab"].key)}),
        lambda b: ("fab", "key.added", {"party_id": "fab", **_pub(PrivateKey.generate())}),
    ),
    "not-own-key": Row(
        _nothing,
        lambda b: ("refiner", "key.added", {"party_id": "fab", **_pub(PrivateKey.generate())}),
        lambda b: ("arm", "key.added", {"party_id": "fab", **_pub(PrivateKey.generate())}),
    ),
    "key-already-revoked": Row(
        _key_rotated,
        lambda b: (
            "fab",
            "key.revoked",
            {"party_id": "fab", "key_id": b.signers["fab-old"].key.key_id},
        ),
        lambda b: (
            "arm",
            "key.revoked",
            {"party_id": "fab", "key_id": b.signers["fab"].key.key_id},
        ),
    ),
    "last-key": Row(
        _nothing,
        lambda b: (
            "fab",
            "key.revoked",
            {"party_id": "fab", "key_id": b.signers["fab"].key.key_id},
        ),
        lambda b: (
            "arm",
            "key.revoked",
            {"party_id": "fab", "key_id": b.signers["fab"].key.key_id},
        ),
    ),
    "token-exists": Row(
        lambda b: b.state("fab", "token.issued", _token("h" * 16)),
        lambda b: ("fab", "token.issued", _token("h" * 16)),
        lambda b: ("fab", "token.issued", _token("i" * 16)),
    ),
    "not-own-token": Row(
        lambda b: b.state("fab", "token.issued", _token("h" * 16)),
        lambda b: ("refiner", "token.revoked", {"token_id": "h" * 16}),
        lambda b: ("fab", "token.revoked", {"token_id": "h" * 16}),
    ),
    "token-already-revoked": Row(
        lambda b: (
            b.state("fab", "token.issued", _token("h" * 16)),
            b.state("fab", "token.revoked", {"token_id": "h" * 16}),
        ),
        lambda b: ("fab", "token.revoked", {"token_id": "h" * 16}),
        lambda b: ("fab", "token.issued", _token("j" * 16)),
    ),
    # --- certificates and authorisations -----------------------------------------------------
    "wrong-role": Row(
        _nothing,
        lambda b: ("cert", "certificate.issued", _certificate("FM-X", "fab")),
        lambda b: ("cert", "certificate.issued", _certificate("FM-X", "mine-nocert")),
    ),
    "certificate-exists": Row(
        _nothing,
        lambda b: ("cert", "certificate.issued", _certificate("FM-ECO", "mine-nocert")),
        lambda b: ("cert", "certificate.issued", _certificate("FM-NEW", "mine-nocert")),
    ),
    "not-certifier": Row(
        lambda b: b.register("cert-two", ["certifier"], ["certification"]),
        lambda b: ("cert-two", "certificate.suspended", {"certificate_id": "FM-ECO"}),
        lambda b: ("cert", "certificate.suspended", {"certificate_id": "FM-ECO"}),
    ),
    "certificate-not-active": Row(
        lambda b: b.state("cert", "certificate.suspended", {"certificate_id": "FM-ECO"}),
        lambda b: ("cert", "certificate.suspended", {"certificate_id": "FM-ECO"}),
        lambda b: ("cert", "certificate.withdrawn", {"certificate_id": "FM-ECO"}),
    ),
    "certificate-not-suspended": Row(
        _nothing,
        lambda b: ("cert", "certificate.reinstated", {"certificate_id": "FM-ECO"}),
        lambda b: ("cert", "certificate.suspended", {"certificate_id": "FM-ECO"}),
    ),
    "capacity-not-artisanal": Row(
        _nothing,
        lambda b: (
            "cert",
            "certificate.issued",
            _certificate("FM-BIG", "mine-nocert", capacity_fine_mg_per_year=10 * 500_000 + 1),
        ),
        lambda b: (
            "cert",
            "certificate.issued",
            _certificate("FM-BIG", "mine-nocert", capacity_fine_mg_per_year=10 * 500_000),
        ),
    ),
    "not-authorised": Row(
        # ARM revoked the jeweller: its labelled stock is frozen; the trader's is not.
        lambda b: (b.at("jeweller"), b.at("trader", "LOT-2"), b.revoke("jeweller", "licensee")),
        lambda b: ("jeweller", "lot.claimed", b.claiming("LOT-1")),
        lambda b: ("trader", "lot.shipped", b.shipment("LOT-2", "refiner")),
    ),
    "authorisation-not-active": Row(
        # The jeweller's licence is revoked once; the trader's is still active.
        lambda b: b.revoke("jeweller", "licensee"),
        lambda b: ("arm", "authorisation.revoked", {"party_id": "jeweller", "role": "licensee"}),
        lambda b: ("arm", "authorisation.revoked", {"party_id": "trader", "role": "supplier"}),
    ),
    # --- market data ------------------------------------------------------------------------
    "rate-exists": Row(
        _nothing,
        lambda b: ("arm", "premium_rate.set", _rate(SEED_RATES[0]["rate_id"])),
        lambda b: ("arm", "premium_rate.set", _rate("gold-fairmined-2027")),
    ),
    "price-exists": Row(
        lambda b: b.state("arm", "reference_price.posted", _price(DAY)),
        lambda b: ("arm", "reference_price.posted", _price(DAY)),
        lambda b: ("arm", "reference_price.posted", _price(YEAR_AGO)),
    ),
    # --- registration -------------------------------------------------------------------------
    "claim-requires-asmo": Row(
        _nothing, _reg("fab"), _reg("fab", claim="none", processing=MERCURY)
    ),
    "ecological-process": Row(_nothing, _reg(processing=MERCURY), _reg()),
    "no-certificate": Row(_nothing, _reg("mine-nocert"), _reg("mine-nocert", claim="none")),
    "certificate-scope": Row(_nothing, _reg("mine-fm"), _reg("mine-fm", claim="fairmined")),
    "certificate-suspended": Row(
        lambda b: b.state("cert", "certificate.suspended", {"certificate_id": "FM-ECO"}),
        _reg(),
        _reg("mine-fm", claim="fairmined"),
    ),
    "certificate-withdrawn": Row(
        lambda b: b.state("cert", "certificate.withdrawn", {"certificate_id": "FM-ECO"}),
        _reg(),
        _reg("mine-fm", claim="fairmined"),
    ),
    "certificate-expired": Row(
        lambda b: b.certify("FM-OLD", "mine-nocert", ecological=False, valid_to=YEAR_AGO),
        _reg("mine-nocert", claim="fairmined"),
        _reg("mine-fm", claim="fairmined"),
    ),
    "certificate-not-yet-valid": Row(
        lambda b: b.certify("FM-LATER", "mine-nocert", ecological=False, valid_from=NEXT_YEAR),
        _reg("mine-nocert", claim="fairmined"),
        _reg("mine-fm", claim="fairmined"),
    ),
    "production-outside-certificate": Row(
        _nothing,
        _reg(production_from=(TODAY - timedelta(days=400)).isoformat()),
        _reg(production_from=YEAR_AGO),
    ),
    "capacity-exceeded": Row(
        # 10 miners: 2.5 kg fine a year by default. One tonne of doré is out of the question.
        _nothing,
        _reg(gross_mg=1_000_000_000),
        _reg(gross_mg=2_500_000, fineness=10_000),
    ),
    "lot-exists": Row(lambda b: b.registered("LOT-9"), _reg(), _reg(lot_id="LOT-10")),
    # --- custody ------------------------------------------------------------------------------
    "unknown-lot": Row(
        lambda b: b.settled("LOT-1"),
        lambda b: ("fab", "lot.shipped", {**b.shipment("LOT-1", "refiner"), "lot_id": "LOT-404"}),
        lambda b: ("fab", "lot.shipped", b.shipment("LOT-1", "refiner")),
    ),
    "not-holder": Row(
        lambda b: b.settled("LOT-1"),
        lambda b: ("refiner", "lot.shipped", b.shipment("LOT-1", "trader")),
        lambda b: ("fab", "lot.shipped", b.shipment("LOT-1", "refiner")),
    ),
    "stale-head": Row(
        lambda b: b.settled("LOT-1"),
        lambda b: ("fab", "lot.shipped", {**b.shipment("LOT-1", "refiner"), "lot_head": "f" * 64}),
        lambda b: ("fab", "lot.shipped", b.shipment("LOT-1", "refiner")),
    ),
    "lot-in-transit": Row(
        lambda b: (b.settled("LOT-1"), b.shipped("LOT-1", "refiner")),
        lambda b: ("fab", "lot.shipped", b.shipment("LOT-1", "trader")),
        lambda b: ("refiner", "lot.received", b.receipt("LOT-1")),
    ),
    "lot-not-active": Row(
        lambda b: (
            b.settled("LOT-1"),
            b.state(
                "fab",
                "lot.retired",
                {"lot_id": "LOT-1", "lot_head": b.head("LOT-1"), "reason": "lost"},
            ),
            b.settled("LOT-2"),
        ),
        lambda b: ("fab", "lot.shipped", b.shipment("LOT-1", "refiner")),
        lambda b: ("fab", "lot.shipped", b.shipment("LOT-2", "refiner")),
    ),
    "sale-required": Row(
        lambda b: b.registered("LOT-1"),
        lambda b: ("mine", "lot.shipped", b.shipment("LOT-1", "fab")),
        lambda b: ("mine", "lot.sold", *b.sale("LOT-1")),
    ),
    "recipient-not-authorised": Row(
        lambda b: b.registered("LOT-1"),
        lambda b: ("mine", "lot.sold", *b.sale("LOT-1", buyer="fab-unauth")),
        lambda b: ("mine", "lot.sold", *b.sale("LOT-1", buyer="fab")),
    ),
    "not-recipient": Row(
        lambda b: (b.settled("LOT-1"), b.shipped("LOT-1", "refiner")),
        lambda b: ("trader", "lot.received", b.receipt("LOT-1")),
        lambda b: ("refiner", "lot.received", b.receipt("LOT-1")),
    ),
    "premium-unsettled": Row(
        lambda b: b.delivered("LOT-1"),
        lambda b: ("fab", "lot.shipped", b.shipment("LOT-1", "refiner")),
        lambda b: ("fab", "lot.assayed", b.assay("LOT-1", 9_000, "provisional")),
    ),
    "weight-dispute": Row(
        lambda b: b.disputed("LOT-1"),
        lambda b: ("refiner", "lot.shipped", b.shipment("LOT-1", "jeweller")),
        lambda b: (
            "refiner",
            "lot.weight_reconciled",
            b.reconciliation("LOT-1", "refiner", "fab", 100_000),
        ),
    ),
    # --- sales and premiums -------------------------------------------------------------------
    "already-sold": Row(
        lambda b: (b.registered("LOT-1"), b.sold("LOT-1")),
        lambda b: ("mine", "lot.sold", *b.sale("LOT-1", buyer="fab")),
        lambda b: ("mine", "lot.shipped", b.shipment("LOT-1", "fab")),
    ),
    "terms-mismatch": Row(
        lambda b: b.registered("LOT-1"), _mine_sale(13, tamper=True), _mine_sale(13)
    ),
    "price-below-floor": Row(lambda b: b.registered("LOT-1"), _mine_sale(10), _mine_sale(13)),
    "no-premium-rate": Row(
        lambda b: (
            b.certify("FM-SILVER", "mine-nocert", ecological=False, metals=["silver"]),
            b.state("arm", "reference_price.posted", _price(DAY)),
            b.registered(
                "SLV-1", "mine-nocert", metal="silver", claim="fairmined", processing=MERCURY
            ),
            b.registered("LOT-1"),
        ),
        lambda b: ("mine-nocert", "lot.sold", *b.sale("SLV-1")),
        lambda b: ("mine", "lot.sold", *b.sale("LOT-1")),
    ),
    "unknown-obligation": Row(
        lambda b: b.delivered("LOT-1"),
        lambda b: ("fab", "premium.paid", {**b.payment(_obligation(b)), "obligation_id": "PRM-1"}),
        lambda b: ("fab", "premium.paid", b.payment(_obligation(b))),
    ),
    "not-payer": Row(
        lambda b: b.delivered("LOT-1"),
        lambda b: ("fab-unauth", "premium.paid", b.payment(_obligation(b))),
        lambda b: ("fab", "premium.paid", b.payment(_obligation(b))),
    ),
    "overpayment": Row(
        lambda b: b.delivered("LOT-1"),
        lambda b: ("fab", "premium.paid", b.payment(_obligation(b), _due(b) + 1)),
        lambda b: ("fab", "premium.paid", b.payment(_obligation(b), _due(b))),
    ),
    "not-payee": Row(
        lambda b: (b.delivered("LOT-1"), b.state("fab", "premium.paid", b.payment(_obligation(b)))),
        lambda b: ("mine-fm", "premium.confirmed", b.confirmation(_obligation(b))),
        lambda b: ("mine", "premium.confirmed", b.confirmation(_obligation(b))),
    ),
    "over-confirmation": Row(
        lambda b: (
            b.delivered("LOT-1"),
            b.state("fab", "premium.paid", b.payment(_obligation(b), 100)),
        ),
        lambda b: ("mine", "premium.confirmed", b.confirmation(_obligation(b), 101)),
        lambda b: ("mine", "premium.confirmed", b.confirmation(_obligation(b), 100)),
    ),
    "settlement-not-open": Row(
        lambda b: (b.registered("LOT-1"), b.delivered("LOT-2")),
        lambda b: ("mine", "lot.assayed", b.assay("LOT-1", 9_100, "settlement")),
        lambda b: ("fab", "lot.assayed", b.assay("LOT-2", 9_100, "settlement")),
    ),
    # --- transformations ----------------------------------------------------------------------
    "metal-mismatch": Row(
        lambda b: (
            b.registered("GRN-1", "fab", claim="none", processing=MERCURY),
            b.registered("SLV-1", "fab", metal="silver", claim="none", processing=MERCURY),
            b.registered("GRN-2", "fab", claim="none", processing=MERCURY),
        ),
        lambda b: ("fab", "lot.merged", _merge(b, "GRN-1", "SLV-1")),
        lambda b: ("fab", "lot.merged", _merge(b, "GRN-1", "GRN-2")),
    ),
    "split-not-exact": Row(
        lambda b: b.settled("LOT-1"),
        lambda b: ("fab", "lot.split", b.split("LOT-1", [50_000, 50_001])),
        lambda b: ("fab", "lot.split", b.split("LOT-1", [50_000, 50_000])),
    ),
    "not-refiner": Row(
        lambda b: b.at("trader"),
        lambda b: ("trader", "lot.refined", b.refining(["LOT-1"], 90_000)),
        lambda b: ("trader", "lot.split", b.split("LOT-1", [50_000, 50_000])),
    ),
    "fine-metal-created": Row(
        lambda b: b.at("refiner"),
        lambda b: ("refiner", "lot.refined", b.refining(["LOT-1"], 90_001)),
        lambda b: ("refiner", "lot.refined", b.refining(["LOT-1"], 90_000)),
    ),
    "excess-loss": Row(
        lambda b: b.at("refiner"),
        lambda b: ("refiner", "lot.refined", b.refining(["LOT-1"], 89_099)),
        lambda b: ("refiner", "lot.refined", b.refining(["LOT-1"], 89_100)),
    ),
    "not-manufacturer": Row(
        lambda b: b.at("trader"),
        lambda b: ("trader", "lot.alloyed", b.alloying("LOT-1", 120_000, 7_500)),
        lambda b: ("trader", "lot.split", b.split("LOT-1", [50_000, 50_000])),
    ),
    "alloy-not-added": Row(
        lambda b: b.at("jeweller"),
        lambda b: ("jeweller", "lot.alloyed", b.alloying("LOT-1", 100_000, 9_000)),
        lambda b: ("jeweller", "lot.alloyed", b.alloying("LOT-1", 120_000, 7_500)),
    ),
    "fineness-mismatch": Row(
        lambda b: b.at("jeweller"),
        lambda b: ("jeweller", "lot.alloyed", b.alloying("LOT-1", 120_000, 7_501)),
        lambda b: ("jeweller", "lot.alloyed", b.alloying("LOT-1", 120_000, 7_500)),
    ),
    # --- claims --------------------------------------------------------------------------------
    "claim-requires-label": Row(
        lambda b: (
            b.at("jeweller"),
            b.registered("GRN-1", "trader", claim="none", processing=MERCURY),
            b.shipped("GRN-1", "jeweller"),
            b.received("GRN-1"),
        ),
        lambda b: ("jeweller", "lot.claimed", b.claiming("GRN-1")),
        lambda b: ("jeweller", "lot.claimed", b.claiming("LOT-1")),
    ),
    "already-claimed": Row(
        lambda b: (
            b.at("jeweller"),
            b.state("jeweller", "lot.claimed", b.claiming("LOT-1")),
            b.state("jeweller", "lot.split", b.split("LOT-1", [50_000, 50_000])),
            b.at("jeweller", "LOT-2"),
        ),
        lambda b: ("jeweller", "lot.claimed", b.claiming("PART-0")),
        lambda b: ("jeweller", "lot.claimed", b.claiming("LOT-2")),
    ),
    # --- disputes, releases, corrections ------------------------------------------------------
    "no-dispute": Row(
        lambda b: (b.at("refiner"), b.disputed("LOT-2")),
        lambda b: ("arm", "lot.weight_reconciled", b.reconciliation("LOT-1", "arm", None, 1)),
        lambda b: ("arm", "lot.weight_reconciled", b.reconciliation("LOT-2", "arm", None, 100_000)),
    ),
    "not-party-to-dispute": Row(
        lambda b: b.disputed("LOT-1"),
        lambda b: (
            "trader",
            "lot.weight_reconciled",
            b.reconciliation("LOT-1", "trader", "fab", 1),
        ),
        lambda b: ("fab", "lot.weight_reconciled", b.reconciliation("LOT-1", "fab", "refiner", 1)),
    ),
    "cosignature-required": Row(
        lambda b: b.disputed("LOT-1"),
        lambda b: (
            "refiner",
            "lot.weight_reconciled",
            b.reconciliation("LOT-1", "refiner", None, 1),
        ),
        lambda b: (
            "refiner",
            "lot.weight_reconciled",
            b.reconciliation("LOT-1", "refiner", "fab", 1),
        ),
    ),
    "bad-cosignature": Row(
        lambda b: b.disputed("LOT-1"),
        lambda b: (
            "refiner",
            "lot.weight_reconciled",
            _recosigned(b.reconciliation("LOT-1", "refiner", "fab", 100_000), gross_mg=101_000),
        ),
        lambda b: (
            "refiner",
            "lot.weight_reconciled",
            b.reconciliation("LOT-1", "refiner", "fab", 100_000),
        ),
    ),
    "not-frozen": Row(
        lambda b: (b.at("trader"), b.at("refiner", "LOT-2"), b.revoke("refiner", "supplier")),
        lambda b: ("arm", "lot.released", b.release("LOT-1", "jeweller")),
        lambda b: ("arm", "lot.released", b.release("LOT-2", "jeweller")),
    ),
    "not-correctable": Row(
        lambda b: b.registered("LOT-1"),
        lambda b: ("mine", "lot.corrected", b.correction("LOT-1", 1, 90_000)),
        lambda b: (
            "mine",
            "lot.corrected",
            b.correction("LOT-1", b.lot("LOT-1")["weighing"]["seq"], 90_000),
        ),
    ),
    "not-own-statement": Row(
        lambda b: b.delivered("LOT-1"),
        lambda b: (
            "mine",
            "lot.corrected",
            b.correction("LOT-1", b.lot("LOT-1")["weighing"]["seq"], 90_000),
        ),
        lambda b: (
            "fab",
            "lot.corrected",
            b.correction("LOT-1", b.lot("LOT-1")["weighing"]["seq"], 90_000),
        ),
    ),
    # --- witnesses, publication and payment evidence -----------------------------------------
    "not-own-witness": Row(
        _nothing,
        lambda b: ("trader", "witness.registered", _witness("fab", WITNESS_A)),
        lambda b: ("fab", "witness.registered", _witness("fab", WITNESS_A)),
    ),
    "witness-exists": Row(
        lambda b: b.state("fab", "witness.registered", _witness("fab", WITNESS_A)),
        lambda b: ("arm", "witness.registered", _witness("fab", WITNESS_A)),
        lambda b: ("arm", "witness.registered", _witness("fab", WITNESS_B)),
    ),
    "witness-already-revoked": Row(
        _then(
            lambda b: b.state("fab", "witness.registered", _witness("fab", WITNESS_A)),
            lambda b: b.state("fab", "witness.registered", _witness("fab", WITNESS_B)),
            lambda b: b.state("fab", "witness.revoked", _witness("fab", WITNESS_A)),
        ),
        lambda b: ("fab", "witness.revoked", _witness("fab", WITNESS_A)),
        lambda b: ("fab", "witness.revoked", _witness("fab", WITNESS_B)),
    ),
    "key-reuse": Row(
        lambda b: b.state("fab", "witness.registered", _witness("fab", WITNESS_A)),
        lambda b: ("fab", "key.added", {"party_id": "fab", **_pub(WITNESS_A[1])}),
        lambda b: ("fab", "key.added", {"party_id": "fab", **_pub(PrivateKey.generate())}),
    ),
    "already-published": Row(
        _then(
            lambda b: b.registered("LOT-1"),
            lambda b: b.registered("LOT-2"),
            lambda b: b.state("mine", "lot.published", {"lot_id": "LOT-1"}),
        ),
        lambda b: ("mine", "lot.published", {"lot_id": "LOT-1"}),
        lambda b: ("mine", "lot.published", {"lot_id": "LOT-2"}),
    ),
    "evidence-mismatch": Row(
        lambda b: b.delivered("LOT-1"),
        lambda b: _paid_with_evidence(b, "SWIFT MT103 altered"),
        lambda b: ("fab", "premium.paid", b.payment(_obligation(b))),
    ),
}


WITNESS_A = ("witness.fab.example/a", PrivateKey.generate())
WITNESS_B = ("witness.fab.example/b", PrivateKey.generate())


def _witness(party: str, witness: tuple[str, PrivateKey]) -> dict:
    name, key = witness
    return {"party_id": party, "verifier_key": cosigner_key(name, key.public.raw)}


def _paid_with_evidence(book: Book, reference: str) -> Step:
    """A payment whose private evidence does not open its signed commitment."""
    body = book.payment(_obligation(book))
    return ("fab", "premium.paid", body, {**book.sealed(body), "evidence": reference})


def _party(party_id: str) -> dict:
    body = {"party_id": party_id, "name": "A Buyer", "country": "CO", "roles": ["first_buyer"]}
    return {**body, **_pub(PrivateKey.generate())}


def _pub(key: PrivateKey) -> dict:
    return {"public_key": key.public.b64}


def _certificate(cert_id: str, party: str, **changes) -> dict:
    body = {"certificate_id": cert_id, "party_id": party, "metals": ["gold"], "ecological": False}
    return {**body, "valid_from": YEAR_AGO, "valid_to": NEXT_YEAR, "miners": 10, **changes}


def _obligation(book: Book) -> str:
    return next(iter(book.store.objects["obligation"]))


def _due(book: Book) -> int:
    return book.store.get("obligation", _obligation(book))["due"]


def _merge(book: Book, *lot_ids: str) -> dict:
    return {"inputs": book.inputs(*lot_ids), "output": {"lot_id": "MRG-1", "form": "grain"}}


def _recosigned(body: dict, **changes) -> dict:
    """A cosigned body changed after the cosignature was made."""
    return {**body, **changes}


ROWS.update({code: Row(*steps) for code, steps in SUPPLY_ROWS.items()})


def _as_submission(book: Book, step: Step) -> tuple[dict, dict | None]:
    if isinstance(step, dict):
        return step, None
    party, type, body, *private = step
    return book.signers[party].entry(type, body), (private[0] if private else book.sealed(body))


def _snapshot(store: MemoryStore) -> str:
    return json.dumps(store.dump(), sort_keys=True)


@pytest.mark.parametrize("code", sorted(ROWS))
def test_each_code_refuses_one_entry_and_passes_its_neighbour(code):
    book = Book()
    row = ROWS[code]
    row.prepare(book)
    before = _snapshot(book.store)
    entry, private = _as_submission(book, row.bad(book))
    with pytest.raises(LedgerError) as refused:
        book.submit(entry, private)
    assert refused.value.code == code, refused.value
    assert _snapshot(book.store) == before, "a refused entry wrote state"
    entry, private = _as_submission(book, row.good(book))
    book.submit(entry, private)


def test_the_table_names_every_code_the_rules_raise():
    assert sorted(ROWS) == sorted(RULES)


@pytest.mark.parametrize(("fineness", "short"), [(9_100, False), (9_900, True)])
def test_the_price_floor_follows_the_settled_fine_mass(fineness, short):
    """Sold at 13 cents per mg of the declared 90 g fine (the floor is about 12.2): a settlement
    assay finding 91 g keeps the price above the floor, 99 g puts it under, a finding for ARM
    that names no price."""
    book = Book()
    book.delivered("LOT-1")
    applied = book.state("fab", "lot.assayed", book.assay("LOT-1", fineness, "settlement"))
    assert ("price-floor-shortfall" in applied.flags) == short
    for finding in book.store.find("finding", "code", "price-floor-shortfall"):
        assert (
            str(book.store.get("sale_terms", next(iter(book.store.objects["sale"])))["price"])
            not in finding["detail"]
        )
