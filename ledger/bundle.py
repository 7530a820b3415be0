"""Offline verification of a provenance bundle, with this package alone.

A bundle holds every record a lot's provenance rests on (its ancestry back to each mine, the
parties, keys, certificates, authorisations, rates and premium payments the rules read), an
inclusion proof of each record, and a checkpoint signed by the operator (optionally cosigned
by witnesses). Verification fails closed, in this order:

1. the checkpoint's signature (operator verifier key given out of band) and its witnesses;
2. each record's hash, and its inclusion proof against the checkpoint root;
3. every entry's signature and every Fairmined rule, re-run in ``seq`` order on the subgraph
   (publicly: sale prices stay private, so the price floor checked at admission is not re-run);
4. the replayed lot equals the lot the bundle describes.

What backs the lot besides its ancestry is read from the same replay: Fairmined Credits retired
for it (their issuance, premium payment and confirmation, and every move of their batch are in
the bundle) and metal drawn for it from a mass-balance account (with the account's history and
the ancestry of every lot deposited into it).

A verified bundle is "verified, with N findings" when the lot's ancestry holds findings: flagged
weighings and assays, weighing disputes and their reconciliation, corrections, ARM releases.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field

from ledger import backing, jsonlimits
from ledger.admission import replay_record
from ledger.ancestry import ancestry
from ledger.checkpoint import open_checkpoint
from ledger.errors import LedgerError
from ledger.merkle import verify_inclusion
from ledger.note import NoteVerifier, Verifier
from ledger.premium_state import settled
from ledger.projections import JSONObject, Lot, MassBalanceDraw, Obligation, Party
from ledger.record import Record, record_from_json, record_hash
from ledger.state import MemoryStore

FORMAT = "gold-ledger/bundle/v1"


def _fail(detail: str) -> LedgerError:
    return LedgerError("invalid-bundle", detail)


@dataclass
class Provenance:
    """What a verified bundle establishes about a lot."""

    lot: Lot
    checkpoint_size: int
    witnessed_by: list[str]
    records: int
    parties: dict[str, Party]
    obligations: list[Obligation]
    custody: list[JSONObject] = field(default_factory=list)
    findings: list[JSONObject] = field(default_factory=list)
    retirements: list[JSONObject] = field(default_factory=list)
    credit_obligations: list[Obligation] = field(default_factory=list)
    draws: list[MassBalanceDraw] = field(default_factory=list)

    @property
    def status(self) -> str:
        """``verified``, or ``verified, with N findings`` when the ancestry holds findings
        (weighing and assay differences, disputes, corrections, releases)."""
        if not self.findings:
            return "verified"
        count = len(self.findings)
        return f"verified, with {count} finding{'s' if count > 1 else ''}"

    @property
    def premiums_settled(self) -> bool:
        return all(settled(o) for o in self.obligations)

    @property
    def credits(self) -> str | None:
        """``backed by N Fairmined Credits from mines X, Y``, re-run from the replayed
        retirements (None when no credits back the lot)."""
        return backing.credit_statement(self.retirements, self.parties)

    @property
    def incorporated(self) -> str | None:
        """The fine metal drawn for the lot from mass-balance accounts, in words."""
        return backing.mass_balance_statement(self.draws, self.parties)

    @property
    def origins(self) -> list[Party]:
        return [self.parties[a] for a in self.lot["origin_asmos"]]


def verify_bundle(
    bundle: object, operator: Verifier, witnesses: Sequence[NoteVerifier] = ()
) -> Provenance:
    """Verify ``bundle`` fully, or raise ``LedgerError`` (code ``invalid-bundle`` and others)."""
    try:
        jsonlimits.check_depth(bundle)
        return _verify(bundle, operator, witnesses)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _fail(f"malformed bundle: {type(exc).__name__}: {exc}") from exc


def _verify(bundle: object, operator: Verifier, witnesses: Sequence[NoteVerifier]) -> Provenance:
    if not isinstance(bundle, dict) or bundle.get("format") != FORMAT:
        raise _fail(f"not a {FORMAT} document")
    checkpoint, witnessed_by = open_checkpoint(bundle["checkpoint"], operator, witnesses)
    records = [record_from_json(r) for r in bundle["records"]]
    proofs = bundle["proofs"]
    if not records or records[0].seq != 1:
        raise _fail("a bundle starts with the genesis record")
    if [r.seq for r in records] != sorted({r.seq for r in records}):
        raise _fail("records must be in strictly increasing seq order")
    for record in records:
        if record.seq > checkpoint.size:
            raise _fail(f"seq {record.seq} is beyond the checkpoint (size {checkpoint.size})")
        computed = record_hash(record.seq, record.prev_hash, record.received_at, record.entry)
        if computed != record.entry_hash:
            raise _fail(f"seq {record.seq}: the record does not match its entry_hash")
        proof = [base64.b64decode(p, validate=True) for p in proofs.get(str(record.seq), [])]
        try:
            verify_inclusion(
                bytes.fromhex(record.entry_hash),
                record.seq - 1,
                checkpoint.size,
                proof,
                checkpoint.root,
            )
        except LedgerError as exc:
            raise _fail(f"seq {record.seq}: not included in the checkpoint: {exc.detail}") from exc
    store = MemoryStore()
    for record in records:
        try:
            replay_record(store, record, public=True)
        except LedgerError as exc:
            raise _fail(f"seq {record.seq}: {exc.code}: {exc.detail}") from exc
    lot = store.get("lot", bundle["lot_id"])
    if lot is None:
        raise _fail(f"the records do not establish lot {bundle['lot_id']}")
    return _provenance(store, lot, checkpoint.size, witnessed_by, records)


def _provenance(
    store: MemoryStore, lot: Lot, size: int, witnessed_by: list[str], records: list[Record]
) -> Provenance:
    lots = ancestry(store, lot)
    obligation_ids = sorted({o for item in lots for o in item["obligations"]})
    by_seq = {r.seq: r for r in records}
    custody = []
    for seq in sorted({s for item in lots for s in item["history"]}):
        entry = by_seq[seq].entry
        custody.append(
            {
                "seq": seq,
                "at": entry["created_at"],
                "type": entry["type"],
                "actor": entry["actor"],
                "to": entry["body"].get("to"),
                "lots": sorted({item["id"] for item in lots if seq in item["history"]}),
            }
        )
    parties = {p["id"]: p for p in store.objects["party"].values()}
    findings = sorted(
        (f for item in lots for f in store.find("finding", "lot", item["id"])),
        key=lambda f: (f["seq"], f["id"]),
    )
    retired = backing.retirements(store, lots)
    batches = [store.get("credit_batch", r["batch"]) for r in retired]
    credit_obligations = {
        b["obligation"]: store.get("obligation", b["obligation"]) for b in batches
    }
    return Provenance(
        lot,
        size,
        witnessed_by,
        len(records),
        parties,
        [store.get("obligation", o) for o in obligation_ids],
        custody,
        findings,
        retired,
        [credit_obligations[o] for o in sorted(credit_obligations)],
        backing.draws(lots),
    )
