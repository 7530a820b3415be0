"""A ledger on the pure core (``apply_entry`` over a ``MemoryStore``) with a small certified
supply chain, and the honest steps of the Fairmined lifecycle on it, for rule tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ledger import terms
from ledger.admission import apply_entry
from ledger.client import Signer
from ledger.cosign import cosign
from ledger.fairmined import SEED_RATES
from ledger.keys import PrivateKey
from ledger.record import GENESIS_PREV
from ledger.state import MemoryStore
from ledger.timefmt import format_instant
from ledger.types.identity import DEFAULT_PARAMS

TODAY = datetime.now(UTC).date()
DAY = TODAY.isoformat()
YEAR_AGO = (TODAY - timedelta(days=365)).isoformat()
NEXT_YEAR = (TODAY + timedelta(days=365)).isoformat()
ECO = {"mercury": False, "cyanide": False, "gravimetric_only": True}
MERCURY = {"mercury": True, "cyanide": False, "gravimetric_only": False}
PARTIES = {
    "cert": (["certifier"], []),
    "mine": (["asmo"], ["mining"]),  # Ecological certificate
    "mine-fm": (["asmo"], ["mining"]),  # Fairmined certificate only
    "mine-nocert": (["asmo"], ["mining"]),
    "fab": (["first_buyer"], ["trading"]),
    "fab-unauth": (["first_buyer"], ["trading"]),
    "refiner": (["supplier"], ["refining"]),
    "trader": (["supplier"], ["trading"]),
    "jeweller": (["licensee"], ["manufacturing"]),
    "jeweller-unauth": (["licensee"], ["manufacturing"]),
}
AUTHORISED = (
    ("fab", "first_buyer"),
    ("refiner", "supplier"),
    ("trader", "supplier"),
    ("jeweller", "licensee"),
)


class Book:
    """A ledger on a ``MemoryStore`` with a certified supply chain, and honest steps on it."""

    def __init__(self) -> None:
        self.store = MemoryStore()
        self.evidence: dict[str, dict] = {}  # commitment -> sealed payment evidence
        self.seq = 0
        self.prev = GENESIS_PREV
        self.signers = {p: Signer(p, PrivateKey.generate()) for p in ("operator", "arm")}
        self.submit(self.signers["operator"].entry("ledger.genesis", self.genesis_body()))
        for party, (roles, activities) in PARTIES.items():
            self.register(party, roles, activities)
        self.certify("FM-ECO", "mine", ecological=True)
        self.certify("FM-PLAIN", "mine-fm", ecological=False)
        for party, role in AUTHORISED:
            self.authorise(party, role)
        price = {"metal": "gold", "day": DAY, "currency": "USD", "price_per_troy_oz": 4_000_00}
        self.state("arm", "reference_price.posted", price)

    def genesis_body(self) -> dict:
        def founder(party: str) -> dict:
            key = self.signers[party].key.public.b64
            return {"party_id": party, "name": party.title(), "country": "CH", "public_key": key}

        return {
            "origin": "test.gold-ledger/table",
            "operator": founder("operator"),
            "arm": founder("arm"),
            "params": dict(DEFAULT_PARAMS),
            "rates": list(SEED_RATES),
        }

    # --- applying ----------------------------------------------------------------------------

    def submit(self, entry: dict, private: dict | None = None):
        """Apply a signed entry; store its writes if accepted (raises the refusal)."""
        applied = apply_entry(
            self.store,
            entry,
            seq=self.seq + 1,
            prev_hash=self.prev,
            received_at=format_instant(datetime.now(UTC), micro=True),
            private=private,
        )
        for kind, value in applied.writes:
            self.store.put(kind, value)
        self.seq, self.prev = applied.record.seq, applied.record.entry_hash
        return applied

    def state(self, party: str, type: str, body: dict, private: dict | None = None):
        return self.submit(self.signers[party].entry(type, body), private or self.sealed(body))

    def sealed(self, body: dict) -> dict | None:
        """The private evidence behind a payment body's commitment (made by ``payment``)."""
        return self.evidence.get(body.get("evidence_commitment"))

    def register(self, party: str, roles: list[str], activities: list[str]) -> None:
        self.signers[party] = Signer(party, PrivateKey.generate())
        body = {"party_id": party, "name": party.title(), "country": "CO", "roles": roles}
        body.update(activities=activities, public_key=self.signers[party].key.public.b64)
        self.state("arm", "party.registered", body)

    def certify(self, cert_id: str, mine: str, *, ecological: bool, **changes) -> None:
        body = {"certificate_id": cert_id, "party_id": mine, "metals": ["gold"]}
        body.update(ecological=ecological, valid_from=YEAR_AGO, valid_to=NEXT_YEAR, miners=10)
        self.state("cert", "certificate.issued", {**body, **changes})

    def authorise(self, party: str, role: str) -> None:
        body = {"party_id": party, "role": role, "valid_from": YEAR_AGO, "valid_to": NEXT_YEAR}
        self.state("arm", "authorisation.granted", body)

    # --- lots ----------------------------------------------------------------------------------

    def head(self, lot_id: str) -> str:
        return self.store.get("lot", lot_id)["head"]

    def lot(self, lot_id: str) -> dict:
        return self.store.get("lot", lot_id)

    def registration(self, lot_id="LOT-1", party="mine", **changes) -> dict:
        body = {
            "lot_id": lot_id,
            "metal": "gold",
            "form": "dore",
            "gross_mg": 100_000,
            "fineness": 9_000,
            "claim": "ecological",
            "mine_site": "Vereda El Tambo",
            "production_from": (TODAY - timedelta(days=30)).isoformat(),
            "production_to": DAY,
            "processing": ECO,
        }
        return {**body, **changes}

    def registered(self, lot_id="LOT-1", party="mine", **changes) -> str:
        self.state(party, "lot.registered", self.registration(lot_id, party, **changes))
        return lot_id

    def sale(self, lot_id: str, buyer="fab", cents_per_mg=13, seller=None) -> tuple[dict, dict]:
        private, commitment = terms.seal(self.lot(lot_id)["fine_mg"] * cents_per_mg, "USD")
        body = {"lot_id": lot_id, "lot_head": self.head(lot_id), "buyer": buyer}
        return {**body, "terms_commitment": commitment}, private

    def sold(self, lot_id: str, buyer="fab") -> str:
        body, private = self.sale(lot_id, buyer)
        seller = self.lot(lot_id)["holder"]
        return f"PRM-{self.state(seller, 'lot.sold', body, private).record.seq}"

    def shipment(self, lot_id: str, to: str) -> dict:
        return {"lot_id": lot_id, "lot_head": self.head(lot_id), "to": to}

    def shipped(self, lot_id: str, to: str) -> None:
        self.state(self.lot(lot_id)["holder"], "lot.shipped", self.shipment(lot_id, to))

    def receipt(self, lot_id: str, gross: int | None = None) -> dict:
        gross = self.lot(lot_id)["gross_mg"] if gross is None else gross
        return {"lot_id": lot_id, "lot_head": self.head(lot_id), "gross_mg": gross}

    def received(self, lot_id: str, gross: int | None = None) -> None:
        self.state(self.lot(lot_id)["incoming_to"], "lot.received", self.receipt(lot_id, gross))

    def delivered(self, lot_id="LOT-1", **changes) -> str:
        """Registered by the mine, sold to and received by the buyer: the obligation's id."""
        self.registered(lot_id, **changes)
        obligation = self.sold(lot_id)
        self.shipped(lot_id, "fab")
        self.received(lot_id)
        return obligation

    def payment(self, obligation: str, amount: int | None = None) -> dict:
        due = self.store.get("obligation", obligation)
        amount = due["due"] - due["paid"] if amount is None else amount
        body = {"obligation_id": obligation, "amount": amount, "currency": "USD"}
        evidence, commitment = terms.seal_evidence("SWIFT MT103")
        self.evidence[commitment] = evidence
        return {**body, "paid_on": DAY, "evidence_commitment": commitment}

    def confirmation(self, obligation: str, amount: int | None = None) -> dict:
        due = self.store.get("obligation", obligation)
        amount = due["paid"] - due["confirmed"] if amount is None else amount
        body = {"obligation_id": obligation, "amount": amount, "currency": "USD"}
        return {**body, "received_on": DAY}

    def settled(self, lot_id="LOT-1", **changes) -> str:
        obligation = self.delivered(lot_id, **changes)
        self.state("fab", "premium.paid", self.payment(obligation))
        self.state(self.store.get("obligation", obligation)["asmo"], "premium.confirmed",
                   self.confirmation(obligation))  # fmt: skip
        return obligation

    def at(self, holder: str, lot_id="LOT-1", **changes) -> str:
        """A settled lot delivered on from the buyer to ``holder``."""
        self.settled(lot_id, **changes)
        self.shipped(lot_id, holder)
        self.received(lot_id)
        return lot_id

    def assay(self, lot_id: str, fineness: int, kind="final") -> dict:
        body = {"lot_id": lot_id, "lot_head": self.head(lot_id), "fineness": fineness}
        return {**body, "kind": kind, "laboratory": "Laboratorio Andino"}

    def disputed(self, lot_id="LOT-1") -> str:
        """A lot the refiner weighed 1% heavier than the buyer shipped it."""
        self.settled(lot_id)
        self.shipped(lot_id, "refiner")
        self.received(lot_id, self.lot(lot_id)["gross_mg"] * 101 // 100)
        return lot_id

    def reconciliation(self, lot_id: str, actor: str, cosigner: str | None, gross: int) -> dict:
        body = {"lot_id": lot_id, "lot_head": self.head(lot_id), "gross_mg": gross}
        if cosigner is None:
            return body
        key = self.signers[cosigner].key
        return cosign(key, cosigner, "lot.weight_reconciled", actor, body)

    def split(self, lot_id: str, masses: list[int], prefix="PART-") -> dict:
        outputs = [{"lot_id": f"{prefix}{n}", "gross_mg": m} for n, m in enumerate(masses)]
        return {"lot_id": lot_id, "lot_head": self.head(lot_id), "outputs": outputs}

    def inputs(self, *lot_ids: str) -> list[dict]:
        return [{"lot_id": i, "lot_head": self.head(i)} for i in lot_ids]

    def refining(self, lot_ids: list[str], fine_out: int, fineness=10_000) -> dict:
        gross = fine_out * 10_000 // fineness
        output = {"lot_id": "BAR-1", "form": "bar", "gross_mg": gross, "fineness": fineness}
        return {"inputs": self.inputs(*lot_ids), "outputs": [output]}

    def alloying(self, lot_id: str, gross: int, fineness: int) -> dict:
        output = {"lot_id": "RING-1", "gross_mg": gross, "fineness": fineness, "form": "jewellery"}
        return {"lot_id": lot_id, "lot_head": self.head(lot_id), "output": output}

    def claiming(self, lot_id: str) -> dict:
        return {"lot_id": lot_id, "lot_head": self.head(lot_id), "product": "Band, 18k"}

    def release(self, lot_id: str, to: str) -> dict:
        return {"lot_id": lot_id, "lot_head": self.head(lot_id), "to": to, "reason": "revoked"}

    def revoke(self, party: str, role: str) -> None:
        self.state("arm", "authorisation.revoked", {"party_id": party, "role": role})

    def correction(self, lot_id: str, corrects: int, gross: int, **more) -> dict:
        body = {"lot_id": lot_id, "lot_head": self.head(lot_id), "corrects_seq": corrects}
        return {**body, "gross_mg": gross, "reason": "grams typed as milligrams", **more}
