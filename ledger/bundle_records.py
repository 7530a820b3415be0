"""Which records a lot's provenance bundle holds: every record its provenance rests on.

The history of the lot and of every lot it was made from; the genesis; for every party acting
or named in them, its registration and key entries; the certificates of the origin mines with
their status changes; every grant and revocation of those parties' authorisations (each actor's
standing is re-checked on its entry's day); premium rate versions; and the sale, payment and
confirmation entries of every premium the lot inherits. Credits retired for a lot bring their
batch's records and the lot they were issued against; mass-balance draws bring the account's
records and the lots deposited into it (``ledger.ancestry.parents_and_backing``). These are
exactly the records the rules read when the bundle is replayed offline (``ledger.bundle``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Protocol

from ledger.ancestry import ancestry, parents_and_backing, required
from ledger.errors import LedgerError
from ledger.projections import Lot, Obligation
from ledger.record import Record
from ledger.state import Store

RecordsBySeq = Callable[[set[int]], Sequence[Record]]
"""The records of these seqs from the log, in any order (missing ones left out)."""


class Projections(Store, Protocol):
    """The projected state, which can also list every object of a kind."""

    def all(self, kind: str) -> list[dict[str, Any]]:
        """Every object of ``kind``."""
        ...


def bundle_records(store: Projections, records_by_seq: RecordsBySeq, lot_id: str) -> list[Record]:
    """Every record the provenance of ``lot_id`` rests on, in seq order (``unknown-lot`` when
    there is no such lot)."""
    lot = store.get("lot", lot_id)
    if lot is None:
        raise LedgerError("unknown-lot", f"no lot {lot_id!r}")
    lots = ancestry(store, lot, parents_and_backing(store))
    mines = {mine for item in lots for mine in item["origin_asmos"]}
    seqs = {1, *_lot_seqs(store, lots), *(rate["set_seq"] for rate in store.all("rate"))}
    for mine in mines:
        for certificate in store.find("certificate", "party", mine):
            seqs.update(change["seq"] for change in certificate["history"])
    return _with_parties(store, records_by_seq, seqs, mines)


def _lot_seqs(store: Store, lots: Iterable[Lot]) -> Iterator[int]:
    """The lots' histories, their premiums, and the records of what backs them."""
    for lot in lots:
        yield from lot["history"]
        for obligation_id in lot["obligations"]:
            obligation = required(store, "obligation", obligation_id)
            yield obligation["sale_seq"]
            yield from _payment_seqs(obligation)
        for retirement_id in lot.get("credit_retirements", []):
            retirement = required(store, "retirement", retirement_id)
            batch = required(store, "credit_batch", retirement["batch"])
            yield from batch["history"]
            yield from _payment_seqs(required(store, "obligation", batch["obligation"]))
        if lot.get("deposited_to"):  # the account its metal went into must exist
            yield required(store, "mb_account", lot["deposited_to"])["opened_seq"]
        for draw in lot.get("mass_balance_draws", []):
            yield from required(store, "mb_account", draw["account"])["history"]


def _payment_seqs(obligation: Obligation) -> Iterator[int]:
    """The payments of a premium and the mine's confirmations of them."""
    yield from (payment["seq"] for payment in obligation["payments"])
    yield from (confirmation["seq"] for confirmation in obligation["confirmations"])


def _with_parties(
    store: Store, records_by_seq: RecordsBySeq, seqs: set[int], parties: set[str]
) -> list[Record]:
    """The records of ``seqs`` and, for every party they act for or name (and ``parties``), its
    registration, keys and authorisations, until no record names a new party."""
    seqs, parties = set(seqs), set(parties)
    found: dict[int, Record] = {}
    while missing := seqs - set(found):
        batch = records_by_seq(missing)
        if len(batch) != len(missing):
            raise LookupError(f"records missing from the log: {sorted(missing)[:5]}")
        for record in batch:
            found[record.seq] = record
            parties |= _named_parties(record.entry)
        for party_id in sorted(parties):
            seqs |= _party_seqs(store, party_id)
    return [found[seq] for seq in sorted(found)]


def _named_parties(entry: dict[str, Any]) -> set[str]:
    body = entry["body"]
    return {entry["actor"], *(body[k] for k in ("to", "buyer", "party_id") if k in body)}


def _party_seqs(store: Store, party_id: str) -> set[int]:
    """A party's registration, key additions and revocations, and every grant and revocation of
    its authorisations (standing is re-checked on each entry's day); none for an unknown id."""
    party = store.get("party", party_id)
    if party is None:
        return set()
    seqs = {party["registered_seq"]}
    for key in store.find("key", "party", party_id):
        seqs.add(key["added_seq"])
        if key["revoked_seq"] is not None:
            seqs.add(key["revoked_seq"])
    for authorisation in store.find("authorisation", "party", party_id):
        seqs.update(authorisation.get("history") or [authorisation["granted_seq"]])
        if authorisation["revoked_seq"] is not None:
            seqs.add(authorisation["revoked_seq"])
    return seqs
