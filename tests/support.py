"""Test helpers: a transport over Flask's test client and a small world of parties."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask

from app import bootstrap
from ledger.client import LedgerClient, Signer
from ledger.keys import PrivateKey


def flask_transport(test_client):
    """A ``ledger.client`` transport over Flask's test client (real HTTP semantics, in process)."""

    def send(method: str, path: str, payload: dict | None):
        response = test_client.open(path, method=method, json=payload)
        return response.status_code, response.get_json(silent=True)

    return send


@dataclass
class World:
    """The app, its engine, a client, and the signers of every party created so far."""

    app: Flask
    client: LedgerClient
    signers: dict[str, Signer] = field(default_factory=dict)

    @classmethod
    def create(cls, app: Flask) -> World:
        operator, arm = PrivateKey.generate(), PrivateKey.generate()
        engine = app.extensions["ledger_engine"]
        bootstrap.genesis(engine, operator, arm.public, origin="test.gold-ledger/log")
        world = cls(app, LedgerClient(flask_transport(app.test_client())))
        world.signers["operator"] = Signer("operator", operator)
        world.signers["arm"] = Signer("arm", arm)
        return world

    @property
    def engine(self):
        return self.app.extensions["ledger_engine"]

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
