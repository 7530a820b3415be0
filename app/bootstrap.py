"""Creating a ledger: the operator key and the genesis entry naming ARM's public key."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine

from app.appender import Appended, Appender
from app.db import log
from app.db.uow import reading
from ledger.client import Signer
from ledger.fairmined import SEED_RATES
from ledger.keys import PrivateKey, PublicKey
from ledger.types.identity import DEFAULT_PARAMS

OPERATOR_ID = "operator"
ARM_ID = "arm"


def load_or_create_key(path: Path) -> PrivateKey:
    """Read a PKCS#8 PEM private key, creating it (mode 0600) if the file does not exist."""
    if path.exists():
        return PrivateKey.from_pem(path.read_bytes())
    key = PrivateKey.generate()
    write_private_key(path, key)
    return key


def write_private_key(path: Path, key: PrivateKey) -> None:
    """Write ``key`` as PEM readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key.to_pem())


def genesis(
    appender: Appender,
    operator: PrivateKey,
    arm_public: PublicKey,
    *,
    origin: str,
    params: dict | None = None,
) -> Appended:
    """Append the genesis entry (refused by the core if the log is not empty)."""
    entry = genesis_entry(operator, arm_public, origin=origin, params=params)
    return appender.append(entry, skew=300, max_age=86400)


def genesis_entry(
    operator: PrivateKey,
    arm_public: PublicKey,
    *,
    origin: str,
    params: dict | None = None,
    created_at: str | None = None,
) -> dict:
    """The operator's signed genesis entry naming ARM's key, the rule parameters and rates."""
    body = {
        "origin": origin,
        "operator": {
            "party_id": OPERATOR_ID,
            "name": "Ledger operator",
            "country": "CH",
            "public_key": operator.public.b64,
        },
        "arm": {
            "party_id": ARM_ID,
            "name": "Alliance for Responsible Mining",
            "country": "CO",
            "public_key": arm_public.b64,
        },
        "params": {**DEFAULT_PARAMS, **(params or {})},
        "rates": list(SEED_RATES),
    }
    return Signer(OPERATOR_ID, operator).entry("ledger.genesis", body, created_at=created_at)


def is_initialised(engine: Engine) -> bool:
    with reading(engine) as connection:
        size, _ = log.head(connection)
    return size > 0
