"""Test helpers: a transport over Flask's test client and a small world of parties."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask

from app import bootstrap
from ledger import terms
from ledger.client import LedgerClient, Signer
from ledger.keys import PrivateKey


def flask_transport(test_client):
    """A ``ledger.client`` transport over Flask's test client (real HTTP semantics, in process)."""

    def send(method: str, path: str, payload: dict | None, headers: dict[str, str]):
        response = test_client.open(path, method=method, json=payload, headers=headers)
        return response.status_code, response.get_json(silent=True)

    return send


def text_transport(test_client):
    """A ``ledger.witness`` transport (plain text) over Flask's test client."""

    def send(method: str, path: str, body: str | None):
        response = test_client.open(path, method=method, data=body, content_type="text/plain")
        return response.status_code, response.get_data(as_text=True)

    return send


@dataclass
class World:
    """The app, its engine, a client, and the signers of every party created so far."""

    app: Flask
    client: LedgerClient
    signers: dict[str, Signer] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    @classmethod
    def create(cls, app: Flask) -> World:
        operator = bootstrap.load_or_create_key(Path(app.config["OPERATOR_KEY_FILE"]))
        arm = PrivateKey.generate()
        appender = app.extensions["ledger"].appender
        bootstrap.genesis(appender, operator, arm.public, origin="test.gold-ledger/log")
        world = cls(app, LedgerClient(flask_transport(app.test_client())))
        world.signers["operator"] = Signer("operator", operator)
        world.signers["arm"] = Signer("arm", arm)
        return world

    def token(self, party: str) -> str:
        """An API token of ``party`` (issued on first use)."""
        if party not in self.tokens:
            self.tokens[party] = self.client.issue_token(self.signers[party])
        return self.tokens[party]

    def headers(self, party: str = "arm") -> dict[str, str]:
        """Request headers authenticating as ``party``."""
        return {"Authorization": f"Bearer {self.token(party)}"}

    @property
    def engine(self):
        return self.app.extensions["ledger"].engine

    def state(self, party: str, type: str, body: dict, **kwargs) -> dict:
        """Sign ``body`` as ``party`` and submit it; returns the record."""
        return self.client.state(self.signers[party], type, body, **kwargs)

    def register(
        self,
        party_id: str,
        roles: list[str],
        *,
        country: str = "CO",
        name: str | None = None,
        **extra,
    ) -> Signer:
        """ARM registers a party with a fresh key."""
        key = PrivateKey.generate()
        body = {
            "party_id": party_id,
            "name": name or party_id.replace("-", " ").title(),
            "country": country,
            "roles": roles,
            "public_key": key.public.b64,
            **extra,
        }
        self.state("arm", "party.registered", body)
        self.signers[party_id] = Signer(party_id, key)
        return self.signers[party_id]


DAY = "2026-01-01"
PROCESS_ECO = {"mercury": False, "cyanide": False, "gravimetric_only": True}
PROCESS_MERCURY = {"mercury": True, "cyanide": False, "gravimetric_only": False}


class Supply:
    """A certified supply chain on top of a ``World``: certifier, mine, buyer, refiner, jeweller."""

    def __init__(self, world: World, *, ecological: bool = True):
        self.world = world
        w = world
        w.client.token = w.token("arm")
        w.register("certifier-one", ["certifier"], country="DE", activities=["certification"])
        w.register("asmo-iquira", ["asmo"], activities=["mining"], location="Iquira, Huila")
        w.register("fab-andes", ["first_buyer"], activities=["trading"])
        w.register("refiner-alpes", ["supplier"], country="CH", activities=["refining"])
        w.register("jeweller-oro", ["licensee"], country="GB", activities=["manufacturing"])
        w.state(
            "certifier-one",
            "certificate.issued",
            {
                "certificate_id": "FM-CO-001",
                "party_id": "asmo-iquira",
                "metals": ["gold"],
                "ecological": ecological,
                "valid_from": "2025-01-01",
                "valid_to": "2030-12-31",
                "miners": 120,
            },
        )
        for party, role in (
            ("fab-andes", "first_buyer"),
            ("refiner-alpes", "supplier"),
            ("jeweller-oro", "licensee"),
        ):
            w.state(
                "arm",
                "authorisation.granted",
                {
                    "party_id": party,
                    "role": role,
                    "valid_from": "2025-01-01",
                    "valid_to": "2030-12-31",
                },
            )
        self.post_price()

    def post_price(self, price_per_troy_oz: int = 4_000_00) -> None:
        from ledger.timefmt import now

        self.world.state(
            "arm",
            "reference_price.posted",
            {
                "metal": "gold",
                "day": now()[:10],
                "currency": "USD",
                "price_per_troy_oz": price_per_troy_oz,
            },
        )

    def head(self, lot_id: str) -> str:
        return self.world.client.request("GET", f"/api/v1/lots/{lot_id}")["lot"]["head"]

    def register_lot(
        self,
        lot_id: str = "DORE-001",
        *,
        gross_mg: int = 1_000_000,
        fineness: int = 8800,
        claim: str = "ecological",
        processing: dict | None = None,
        party: str = "asmo-iquira",
    ) -> dict:
        return self.world.state(
            party,
            "lot.registered",
            {
                "lot_id": lot_id,
                "metal": "gold",
                "form": "dore",
                "gross_mg": gross_mg,
                "fineness": fineness,
                "claim": claim,
                "mine_site": "Vereda El Tambo",
                "production_from": "2025-12-01",
                "production_to": DAY,
                "processing": processing or PROCESS_ECO,
            },
        )

    def sell(
        self,
        lot_id: str = "DORE-001",
        price: int | None = None,
        buyer="fab-andes",
        seller="asmo-iquira",
    ) -> dict:
        # 880 g fine at ~USD 128.6/g reference: USD 113,000 clears the 95% floor.
        sealed, commitment = terms.seal(113_000_00 if price is None else price, "USD")
        return self.world.state(
            seller,
            "lot.sold",
            {
                "lot_id": lot_id,
                "lot_head": self.head(lot_id),
                "buyer": buyer,
                "terms_commitment": commitment,
            },
            private=sealed,
        )

    def ship(self, lot_id: str, sender: str, to: str) -> dict:
        return self.world.state(
            sender, "lot.shipped", {"lot_id": lot_id, "lot_head": self.head(lot_id), "to": to}
        )

    def receive(self, lot_id: str, recipient: str, gross_mg: int) -> dict:
        return self.world.state(
            recipient,
            "lot.received",
            {"lot_id": lot_id, "lot_head": self.head(lot_id), "gross_mg": gross_mg},
        )

    def deliver(self, lot_id: str, sender: str, to: str, gross_mg: int) -> dict:
        self.ship(lot_id, sender, to)
        return self.receive(lot_id, to, gross_mg)

    def pay_and_confirm(self, obligation_id: str, amount: int) -> None:
        evidence, commitment = terms.seal_evidence("SWIFT MT103 ref 2026-0001")
        self.world.state(
            "fab-andes",
            "premium.paid",
            {
                "obligation_id": obligation_id,
                "amount": amount,
                "currency": "USD",
                "paid_on": DAY,
                "evidence_commitment": commitment,
            },
            private=evidence,
        )
        self.world.state(
            "asmo-iquira",
            "premium.confirmed",
            {
                "obligation_id": obligation_id,
                "amount": amount,
                "currency": "USD",
                "received_on": DAY,
            },
        )

    def refine(self, inputs: list[str], outputs: list[dict]) -> dict:
        return self.world.state(
            "refiner-alpes",
            "lot.refined",
            {
                "inputs": [{"lot_id": i, "lot_head": self.head(i)} for i in inputs],
                "outputs": outputs,
            },
        )


def post_together(app: Flask, entries: list[dict]) -> list[tuple[int, dict]]:
    """POST every entry from its own thread and test client (its own request handling and
    database connection), all released at once by a barrier; ``(status, json)`` of each."""
    barrier = threading.Barrier(len(entries), timeout=60)

    def post(entry: dict) -> tuple[int, dict]:
        client = app.test_client()
        barrier.wait()
        response = client.post("/api/v1/entries", json=entry)
        return response.status_code, response.get_json()

    with ThreadPoolExecutor(max_workers=len(entries)) as pool:
        return list(pool.map(post, entries, timeout=300))


def bearer_for(app: Flask, signer: Signer) -> dict[str, str]:
    """Issue ``signer`` an API token through the real API; returns the request headers."""
    client = LedgerClient(flask_transport(app.test_client()))
    return {"Authorization": f"Bearer {client.issue_token(signer)}"}


def csrf_token(html: str) -> str:
    """The CSRF token of the first form in a page."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def sign_in(client, signer: Signer) -> str:
    """Sign ``client`` (a Flask test client) in as ``signer`` through the login form, with a
    fresh API token; returns the token."""
    token = LedgerClient(flask_transport(client.application.test_client())).issue_token(signer)
    form = client.get("/login")
    response = client.post(
        "/login",
        data={"token": token, "next": "/arm/dashboard", "csrf_token": csrf_token(form.text)},
    )
    assert response.status_code == 303, response.text
    return token


def demo_arm(keys_dir: Path) -> Signer:
    """ARM's signer from a demo key folder."""
    return Signer("arm", PrivateKey.from_pem((keys_dir / "arm.pem").read_bytes()))


def assert_verified(stdout: str) -> None:
    """The verifier's last line says the bundle verified (with its findings counted, if any)."""
    verdict = stdout.rstrip().splitlines()[-1]
    assert re.fullmatch(r"VERIFIED(, WITH \d+ FINDINGS?)?", verdict), verdict
