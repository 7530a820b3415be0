"""Signing entries as a party: one of its private keys and its party id (client-side)."""

from __future__ import annotations

from dataclasses import dataclass

from ledger.entry import sign_entry
from ledger.keys import PrivateKey
from ledger.projections import JSONObject
from ledger.timefmt import now


@dataclass
class Signer:
    """A party and one of its private keys."""

    party_id: str
    key: PrivateKey

    def entry(
        self,
        type: str,
        body: JSONObject,
        *,
        created_at: str | None = None,
        nonce: str | None = None,
        private: JSONObject | None = None,
    ) -> JSONObject:
        """A signed entry of ``type`` stating ``body``; ``private`` travels beside it, unsigned."""
        entry = sign_entry(
            self.key,
            type=type,
            actor=self.party_id,
            body=body,
            created_at=created_at or now(),
            nonce=nonce,
        )
        return entry if private is None else {**entry, "private": private}
