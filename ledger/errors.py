"""The one exception type of the core: a refusal with a stable, machine-readable code."""

from __future__ import annotations


class LedgerError(Exception):
    """A refusal. ``code`` is stable and documented; ``status`` is the HTTP status it maps to.

    ``pointer`` optionally names the offending member (JSON Pointer, RFC 6901).
    """

    def __init__(self, code: str, detail: str, *, status: int = 422, pointer: str | None = None):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.status = status
        self.pointer = pointer


def invalid(detail: str, pointer: str | None = None) -> LedgerError:
    """A malformed entry or body (wrong type, missing or unknown member, out of range)."""
    return LedgerError("invalid-entry", detail, status=422, pointer=pointer)


def conflict(code: str, detail: str) -> LedgerError:
    """A refusal caused by the ledger's current state (stale head, reused nonce...)."""
    return LedgerError(code, detail, status=409)


def forbidden(code: str, detail: str) -> LedgerError:
    """A refusal because the actor may not state this."""
    return LedgerError(code, detail, status=403)
