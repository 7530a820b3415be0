"""The database layer: schema, engine, unit of work, state store and log access."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import Engine


def get_engine() -> Engine:
    """The application's engine."""
    return current_app.extensions["ledger_engine"]
