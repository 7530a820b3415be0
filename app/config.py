"""Configuration from environment variables, with safe defaults."""

from __future__ import annotations

import os
from pathlib import Path


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def from_environment(instance_path: str) -> dict:
    """The service settings. Secrets (the operator key) live in files outside the repository."""
    instance = Path(instance_path)
    return {
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{instance / 'ledger.db'}"),
        "OPERATOR_KEY_FILE": os.environ.get(
            "LEDGER_OPERATOR_KEY_FILE", str(instance / "operator-key.pem")
        ),
        "LEDGER_ORIGIN": os.environ.get("LEDGER_ORIGIN", "gold-ledger.example/log"),
        "MAX_CONTENT_LENGTH": _int("LEDGER_MAX_BODY_BYTES", 64 * 1024),
        "CLOCK_SKEW_SECONDS": _int("LEDGER_CLOCK_SKEW_SECONDS", 300),
        "MAX_ENTRY_AGE_SECONDS": _int("LEDGER_MAX_ENTRY_AGE_SECONDS", 24 * 3600),
        "DEMO_KEYS_DIR": os.environ.get("LEDGER_DEMO_KEYS_DIR", str(instance / "demo-keys")),
        "CHECKPOINT_MAX_AGE_SECONDS": _int("LEDGER_CHECKPOINT_MAX_AGE_SECONDS", 5),
        "PUBLIC_URL": os.environ.get("LEDGER_PUBLIC_URL", "http://127.0.0.1:8000"),
        "PROXY_HOPS": _int("LEDGER_PROXY_HOPS", 0),
        "SECURE_COOKIES": os.environ.get("LEDGER_SECURE_COOKIES", "") == "1",
        "SECRET_KEY_FILE": os.environ.get("LEDGER_SECRET_KEY_FILE", str(instance / "secret-key")),
        "RATELIMIT_STORAGE_URI": os.environ.get("LEDGER_RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ANONYMOUS": os.environ.get("LEDGER_RATELIMIT_ANONYMOUS", "120 per minute"),
        "RATELIMIT_EXPENSIVE": os.environ.get("LEDGER_RATELIMIT_EXPENSIVE", "30 per minute"),
    }
