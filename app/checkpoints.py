"""Signed checkpoints of the log (C2SP tlog-checkpoint), proofs, and witness cosignatures.

The operator signs with its Ed25519 key under the key name = the log's origin (from genesis).
ARM witnesses: it checks each new checkpoint is consistent with the last one it signed and
returns a tlog-cosignature/v1 line, which is verified against ARM's active keys and stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from app.db import log
from app.db.log import SqlNodes
from app.db.store import SqlStore
from app.db.tables import checkpoints
from app.db.uow import reading, writing
from ledger import merkle
from ledger.checkpoint import Checkpoint, CosignatureVerifier, open_checkpoint, sign_checkpoint
from ledger.errors import LedgerError
from ledger.keys import PrivateKey, PublicKey
from ledger.note import Verifier, parse_note, verifier_key
from ledger.timefmt import now, parse_instant


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
        raise LedgerError("empty-log", "the ledger has no genesis entry yet", status=409)
    return meta["origin"]


def operator_verifier(connection: Connection) -> Verifier:
    """The operator's note verifier (name = origin, key = the operator's first active key)."""
    store = SqlStore(connection)
    meta = store.get("meta", "ledger")
    keys = [k for k in store.find("key", "party", meta["operator"]) if k["revoked_at"] is None]
    return Verifier(meta["origin"], PublicKey.from_b64(keys[0]["public_key"]))


def witness_verifiers(connection: Connection) -> list[CosignatureVerifier]:
    """ARM's active keys as cosignature verifiers, under the key name ``arm`` party id."""
    store = SqlStore(connection)
    arm = store.get("meta", "ledger")["arm"]
    return [
        CosignatureVerifier(arm, PublicKey.from_b64(k["public_key"]))
        for k in store.find("key", "party", arm)
        if k["revoked_at"] is None
    ]


def load_operator_key(path: str) -> PrivateKey:
    return PrivateKey.from_pem(Path(path).read_bytes())


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
    """Verify a witness's cosigned copy of checkpoint ``size`` and keep its cosignature lines."""
    with writing(engine) as connection:
        stored = at_size(connection, size)
        if stored is None:
            raise LedgerError("unknown-checkpoint", f"no checkpoint of size {size}", status=404)
        witnesses = witness_verifiers(connection)
        text, _ = parse_note(stored.note)
        cosigned_text, signatures = parse_note(cosigned)
        if cosigned_text != text:
            raise LedgerError("invalid-note", "the cosigned note is not this checkpoint")
        _, witnessed = open_checkpoint(cosigned, operator_verifier(connection), witnesses)
        if not witnessed:
            raise LedgerError("invalid-note", "no valid cosignature from a known witness")
        names = {w.name for w in witnesses}
        lines = stored.note.rstrip("\n").split("\n")
        for signature in signatures:
            line = _line_of(cosigned, signature.name)
            if signature.name in names and line not in lines:
                lines.append(line)
        note = "\n".join(lines) + "\n"
        connection.execute(update(checkpoints).where(checkpoints.c.size == size).values(note=note))
    return Stored(stored.size, stored.root, note, stored.created_at)


def _line_of(note: str, name: str) -> str:
    return next(line for line in note.split("\n") if line.startswith(f"\u2014 {name} "))


def verifier_key_text(connection: Connection) -> str:
    verifier = operator_verifier(connection)
    return verifier_key(verifier.name, verifier.public_key.raw)
