"""The append use case: admit signed entries into the log exactly once, many per transaction.

A request thread prepares its submission outside any lock: the envelope, its canonical bytes,
and the signature, checked against the key it names when this process already knows that key.
It then queues it for the engine's writer thread (``app.writer``), which takes what is queued
as one batch and, in one transaction under the head lock:

1. syncs the process's ``StateCache`` to the stored generation; the objects the rules read
   and the cache lacks are read as the rules ask for them (an id the cache's filter of stored
   ids has never seen is known absent, with no query);
2. runs the core's ``apply_entry`` for each submission in arrival order, against the
   projections plus the writes of the entries accepted before it in the batch; a refusal
   concerns only its own submission, since ``apply_entry`` writes nothing;
3. looks up, in one query, the ``(actor, nonce)`` of the refused submissions: a resend gets
   the original record, a reused nonce ``nonce-reused``. A resend the rules would accept
   trips the unique ``(actor, nonce)`` index instead, and the batch runs again, looking every
   nonce up before the rules;
4. writes the accepted records, their Merkle nodes, the projection changes (stamped with the
   next generation) and the new head, in one pipelined round trip, and commits.

If the transaction fails, every submission of the batch gets the error and nothing of it is
stored: clients retry with the same nonce and get exactly-once results.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError

from app.db import log
from app.db.engine import pipelined
from app.db.state_cache import StateCache
from app.db.store import CachedStore, SqlStore
from app.db.uow import writing
from app.writer import Job, Writer
from ledger.admission import Applied, apply_entry
from ledger.canonical import canonical_bytes
from ledger.clock_window import check_clock
from ledger.entry import CheckedEntry, checked_entry, verify_entry_signature
from ledger.errors import LedgerError, conflict
from ledger.keys import PublicKey
from ledger.record import Record
from ledger.state import Overlay
from ledger.terms import split_submission
from ledger.timefmt import format_instant, parse_instant


@dataclass(frozen=True)
class Appended:
    """The outcome: the record, whether it is new, and any flags the rules raised."""

    record: Record
    created: bool
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Prepared:
    checked: CheckedEntry  # the entry and its canonical JSON
    private: object
    skew: int
    max_age: int

    @property
    def entry(self) -> dict:
        return self.checked.entry

    @property
    def text(self) -> bytes:
        return self.checked.text

    @property
    def nonce_key(self) -> tuple[str, str]:
        return self.entry["actor"], self.entry["nonce"]


def _as_resend(item: _Prepared, earlier: Record) -> Appended | LedgerError:
    """The outcome of a submission whose ``(actor, nonce)`` is already stored."""
    if canonical_bytes(earlier.entry) != item.text:
        return conflict("nonce-reused", "this nonce was used for a different entry")
    return Appended(earlier, created=False)


class Appender:
    """The append path of one engine in this process: its writer and its state cache.

    ``clock`` gives ``received_at`` (the server's time); only a generator of a ledger's whole
    history from its start (the demo) passes its own, which must never go back.
    """

    def __init__(self, engine: Engine, clock: Callable[[], datetime] | None = None):
        self.engine = engine
        self.clock = clock or (lambda: datetime.now(UTC))
        self.cache = StateCache()
        self.writer = Writer(self._admit)
        # The Merkle frontier at the head this process last wrote: (size, head_hash, nodes).
        self._frontier: tuple[int, str, dict] | None = None

    def append(self, submission: object, *, skew: int, max_age: int) -> Appended:
        return self.writer.submit(self.prepare(submission, skew=skew, max_age=max_age))

    def prepare(self, submission: object, *, skew: int, max_age: int) -> _Prepared:
        """What needs no lock: the envelope, its bytes and the signature."""
        entry, private = split_submission(submission)
        checked = checked_entry(entry)
        self._verify_early(checked)
        return _Prepared(checked, private, skew, max_age)

    def _verify_early(self, checked: CheckedEntry) -> None:
        """Check the signature now, outside the writer, if this process knows the key.

        A key id names one public key for good (it is a hash of it), so a cached copy is
        enough. The writer checks the signature again in the batch (``authenticate``), where
        this successful check is remembered; a failure is left for it to report, in the order
        of the core's checks, as is whether the key is still active.
        """
        text = self.cache.peek("key", checked.entry["key_id"])
        if text is not None:
            with contextlib.suppress(LedgerError):
                verify_entry_signature(
                    checked.entry, PublicKey.from_b64(json.loads(text)["public_key"]), checked.text
                )

    def _admit(self, jobs: list[Job]) -> None:
        """One batch, one transaction (see the module docstring).

        Stored nonces are looked up only for submissions the rules refuse (a resend is
        usually refused as a repeat): the unique ``(actor, nonce)`` index catches a resend the
        rules would accept, and the batch then runs again looking every nonce up first.
        """
        duplicate = (IntegrityError, self.engine.dialect.loaded_dbapi.IntegrityError)
        try:
            self._admit_batch(jobs, look_up_nonces=False)
        except duplicate:  # raised by SQLAlchemy, or by the driver's pipeline
            self._admit_batch(jobs, look_up_nonces=True)

    def _admit_batch(self, jobs: list[Job], *, look_up_nonces: bool) -> None:
        outcomes: list[tuple[Job, object]] = []
        accepted: list[tuple[Record, object, str]] = []
        try:
            with writing(self.engine) as connection:
                start = log.lock_head(connection)
                received = format_instant(self.clock(), micro=True)  # under the lock
                self.cache.sync(connection, start.generation, start.size)
                known = (
                    log.find_by_nonces(connection, (job.item.nonce_key for job in jobs))
                    if look_up_nonces
                    else {}
                )
                batch = Overlay(CachedStore(connection, self.cache))
                head = start
                for job in jobs:
                    outcome = self._admit_one(job.item, batch, head, received, known)
                    if isinstance(outcome, Applied):
                        item = job.item
                        accepted.append((outcome.record, item.private, item.text.decode()))
                        head = head._replace(
                            size=outcome.record.seq, head_hash=outcome.record.entry_hash
                        )
                        outcome = Appended(outcome.record, created=True, flags=outcome.flags)
                    outcomes.append((job, outcome))
                if not look_up_nonces:
                    outcomes = self._resends_among_refused(connection, outcomes)
                if accepted:
                    head = head._replace(generation=start.generation + 1)
                    frontier = self._known_frontier(start) or log.frontier(connection, start.size)
                    with pipelined(connection):  # writes only from here on
                        frontier = log.write_batch(connection, accepted, start.size, frontier)
                        writes = list(batch.items())
                        stored = SqlStore(connection).put_many(
                            [(kind, value) for kind, _, value in writes],
                            head.generation,
                            self.cache.known((kind, key) for kind, key, _ in writes),
                        )
                        log.set_head(connection, head)
        except BaseException:
            self.cache.clear()  # the writer fails every submission of the batch
            self._frontier = None
            raise
        if accepted:
            self.cache.committed(stored, head.generation)
            self._frontier = (head.size, head.head_hash, frontier)
        for job, outcome in outcomes:
            if isinstance(outcome, BaseException):
                job.fail(outcome)
            else:
                job.succeed(outcome)

    @staticmethod
    def _resends_among_refused(connection, outcomes: list[tuple[Job, object]]):
        """Refusals of submissions whose nonce is already stored become the stored record
        (a resend) or ``nonce-reused``."""
        refused = [
            job.item.nonce_key for job, outcome in outcomes if isinstance(outcome, LedgerError)
        ]
        if not refused:
            return outcomes
        stored = log.find_by_nonces(connection, refused)
        return [
            (job, _as_resend(job.item, stored[job.item.nonce_key]))
            if isinstance(outcome, LedgerError) and job.item.nonce_key in stored
            else (job, outcome)
            for job, outcome in outcomes
        ]

    def _known_frontier(self, head: log.Head) -> dict | None:
        if self._frontier is not None and self._frontier[:2] == (head.size, head.head_hash):
            return self._frontier[2]
        return None

    def _admit_one(
        self,
        item: _Prepared,
        batch: Overlay,
        head: log.Head,
        received: str,
        known: dict[tuple[str, str], Record],
    ) -> Applied | Appended | BaseException:
        """Admit one submission against the batch so far (its writes go into ``batch``)."""
        earlier = known.get(item.nonce_key)
        if earlier is not None:
            return _as_resend(item, earlier)
        try:
            check_clock(item.entry["created_at"], parse_instant(received), item.skew, item.max_age)
            applied = apply_entry(
                batch,
                item.checked,
                private=item.private,
                seq=head.size + 1,
                prev_hash=head.head_hash,
                received_at=received,
            )
        except LedgerError as refusal:
            return refusal
        except DBAPIError:
            raise  # the transaction is lost: the whole batch fails
        except Exception as bug:  # a fault in one rule fails its own submission only
            return bug
        for kind, value in applied.writes:
            batch.put(kind, value)
        known[item.nonce_key] = applied.record  # a resend later in this batch
        return applied
