"""Signed checkpoints of the log (C2SP tlog-checkpoint), proofs, and witness cosignatures.

The operator signs with its Ed25519 key under the key name = the log's origin (from genesis).
Witnesses (registered by ``witness.registered`` entries, each with its own cosignature key)
check each new checkpoint is consistent with the last one they cosigned and post a
tlog-cosignature/v1 line. A posted note is refused unless every line in it is the operator's
stored signature or a cosignature that verifies against an active witness key; the stored note
keeps at most one line per witness key (a newer valid cosignature replaces the older), so no
POST can make a checkpoint unreadable or grow it past the number of witnesses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from app.db import log
from app.db.log import SqlNodes
from app.db.store import SqlStore
from app.db.tables import checkpoints
from app.db.uow import reading, writing
from ledger import merkle
from ledger.checkpoint import (
    Checkpoint,
    CosignatureVerifier,
    parse_cosigner_key,
    sign_checkpoint,
)
from ledger.errors import LedgerError
from ledger.keys import PrivateKey, PublicKey, b64encode
from ledger.note import SIGNATURE_PREFIX, NoteSignature, Verifier, parse_note, verifier_key
from ledger.timefmt import now, parse_instant
from ledger.types.witness_keys import active_witnesses, witnesses


@dataclass(frozen=True)
class Stored:
    """A stored signed checkpoint."""

    size: int
    root: bytes
    note: str
    created_at: str


def origin(connection: Connection) -> str:
    """The log's origin, as named by its genesis entry."""
    meta = SqlStore(connection).get("meta", "ledger")
    if meta is None:
        raise LedgerError("empty-log", "the ledger has no genesis entry yet")
    return meta["origin"]


def operator_verifier(connection: Connection) -> Verifier:
    """The operator's note verifier (name = origin, key = the operator's first active key)."""
    store = SqlStore(connection)
    meta = store.get("meta", "ledger")
    keys = [k for k in store.find("key", "party", meta["operator"]) if k["revoked_at"] is None]
    return Verifier(meta["origin"], PublicKey.from_b64(keys[0]["public_key"]))


def witness_verifiers(connection: Connection) -> list[CosignatureVerifier]:
    """The active registered witness keys, as cosignature verifiers."""
    return [parse_cosigner_key(w["verifier_key"]) for w in active_witnesses(SqlStore(connection))]


def witness_parties(connection: Connection) -> dict[str, str]:
    """Witness name -> the id of the party that runs it (every witness ever registered)."""
    return {w["name"]: w["party"] for w in witnesses(SqlStore(connection))}


def _row(row) -> Stored | None:
    return Stored(row.size, bytes(row.root), row.note, row.created_at) if row else None


def latest(connection: Connection) -> Stored | None:
    return _row(
        connection.execute(select(checkpoints).order_by(checkpoints.c.size.desc()).limit(1)).first()
    )


def at_size(connection: Connection, size: int) -> Stored | None:
    return _row(connection.execute(select(checkpoints).where(checkpoints.c.size == size)).first())


def publish(engine: Engine, key: PrivateKey) -> Stored:
    """Sign and store a checkpoint of the current head (or return the one already stored)."""
    with reading(engine) as connection:
        size, _ = log.head(connection)
        existing = at_size(connection, size)
        if existing is not None:
            return existing
        name = origin(connection)
        root = merkle.root_at(size, SqlNodes(connection))
    note = sign_checkpoint(Checkpoint(name, size, root), name, key)
    try:
        with writing(engine) as connection:
            connection.execute(
                insert(checkpoints).values(
                    size=size, root=root, note=note, created_at=now(micro=True)
                )
            )
    except IntegrityError:
        pass  # another process signed the same size first
    with reading(engine) as connection:
        return at_size(connection, size)


def fresh(engine: Engine, key: PrivateKey, max_age_seconds: int) -> Stored:
    """The latest checkpoint, signing a new one if the log grew and it is older than allowed."""
    with reading(engine) as connection:
        current = latest(connection)
        size, _ = log.head(connection)
    if current is not None and (
        current.size == size
        or parse_instant(current.created_at)
        > datetime.now(UTC) - timedelta(seconds=max_age_seconds)
    ):
        return current
    return publish(engine, key)


def inclusion(connection: Connection, seq: int, size: int) -> list[bytes]:
    return merkle.inclusion_proof_at(seq - 1, size, SqlNodes(connection))


def consistency(connection: Connection, size1: int, size2: int) -> list[bytes]:
    return merkle.consistency_proof_at(size1, size2, SqlNodes(connection))


def add_cosignature(engine: Engine, size: int, cosigned: str) -> Stored:
    """Keep the verified witness cosignatures of a posted copy of checkpoint ``size``.

    Refuses (``invalid-cosignature``, nothing stored) a note for other text, any line that is
    neither the operator's stored signature nor a cosignature verifying against an active
    witness key, and two lines for one witness key.
    """
    with writing(engine) as connection:
        stored = _row(  # locked: concurrent posts of two witnesses both keep their line
            connection.execute(
                select(checkpoints).where(checkpoints.c.size == size).with_for_update()
            ).first()
        )
        if stored is None:
            raise LedgerError("unknown-checkpoint", f"no checkpoint of size {size}")
        known = {(w.name, w.key_hash): w for w in witness_verifiers(connection)}
        text, kept = parse_note(stored.note)
        posted_text, posted = parse_note(cosigned)
        if posted_text != text:
            raise _refused("the posted note is not this checkpoint")
        operator = kept[0]
        lines = {(s.name, s.key_hash): s for s in kept[1:] if (s.name, s.key_hash) in known}
        fresh_lines: dict[tuple[str, bytes], NoteSignature] = {}
        for signature in posted:
            slot = (signature.name, signature.key_hash)
            if signature == operator:
                continue
            witness = known.get(slot)
            if witness is None:
                raise _refused(f"{signature.name} is not an active witness key of this ledger")
            if not witness.verify(text.encode("utf-8"), signature.signature):
                raise _refused(f"the cosignature of {signature.name} does not verify")
            if slot in fresh_lines:
                raise _refused(f"two cosignatures of {signature.name}")
            fresh_lines[slot] = signature
        if not fresh_lines:
            raise _refused("no cosignature from a witness of this ledger")
        lines.update(fresh_lines)
        note = text + "\n" + "".join(_line(s) for s in [operator, *lines.values()])
        connection.execute(update(checkpoints).where(checkpoints.c.size == size).values(note=note))
    return Stored(stored.size, stored.root, note, stored.created_at)


def _refused(detail: str) -> LedgerError:
    return LedgerError("invalid-cosignature", detail)


def _line(signature: NoteSignature) -> str:
    encoded = b64encode(signature.key_hash + signature.signature)
    return f"{SIGNATURE_PREFIX}{signature.name} {encoded}\n"


def verifier_key_text(connection: Connection) -> str:
    verifier = operator_verifier(connection)
    return verifier_key(verifier.name, verifier.public_key.raw)
