"""The ledger service of one application: what a process keeps for it between requests.

The app factory creates it and keeps it in ``app.extensions``; views and commands reach it
through ``current()``. Creating it opens no connection and starts no thread (the appender's
writer thread starts with the first append), so a gunicorn master may create the app before it
forks its workers.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path

from flask import current_app
from sqlalchemy import Engine

from app.appender import Appender
from app.db.engine import make_engine
from app.provenance_cache import ProvenanceCache
from ledger.keys import PrivateKey

EXTENSION = "ledger"


class LedgerService:
    """The engine, its append path (writer thread and state cache), the operator's key (read
    from its file once, on first use) and the cache of provenance bundles and pages."""

    def __init__(self, engine: Engine, operator_key_file: str | Path):
        self.engine = engine
        self.appender = Appender(engine)
        self.bundles = ProvenanceCache()
        self.operator_key_file = Path(operator_key_file)
        self._operator_key: PrivateKey | None = None
        self._key_lock = threading.Lock()

    @classmethod
    def from_config(cls, config: Mapping) -> LedgerService:
        """The service for an application's settings (``DATABASE_URL``, ``OPERATOR_KEY_FILE``)."""
        return cls(make_engine(config["DATABASE_URL"]), config["OPERATOR_KEY_FILE"])

    @property
    def operator_key(self) -> PrivateKey:
        """The key the operator signs checkpoints with."""
        with self._key_lock:
            if self._operator_key is None:
                self._operator_key = PrivateKey.from_pem(self.operator_key_file.read_bytes())
            return self._operator_key


def current() -> LedgerService:
    """The service of the application handling this request or command."""
    return current_app.extensions[EXTENSION]
