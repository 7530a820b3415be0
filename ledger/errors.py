"""The one exception type of the core: a refusal with a stable, machine-readable code."""

from __future__ import annotations

from ledger.problem_codes import Category, problem


class LedgerError(Exception):
    """A refusal. ``code`` is registered in ``ledger.problem_codes``, which gives its category;
    an unregistered code fails at construction.

    ``pointer`` optionally names the offending member (JSON Pointer, RFC 6901).
    """

    def __init__(self, code: str, detail: str, *, pointer: str | None = None) -> None:
        self.category: Category = problem(code).category
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.pointer = pointer


def invalid(detail: str, pointer: str | None = None) -> LedgerError:
    """A malformed entry or body (wrong type, missing or unknown member, out of range)."""
    return LedgerError("invalid-entry", detail, pointer=pointer)


def conflict(code: str, detail: str) -> LedgerError:
    """A refusal caused by the ledger's current state (stale head, reused nonce...)."""
    return _of(Category.CONFLICT, LedgerError(code, detail))


def forbidden(code: str, detail: str) -> LedgerError:
    """A refusal because the actor may not state this."""
    return _of(Category.FORBIDDEN, LedgerError(code, detail))


def _of(category: Category, error: LedgerError) -> LedgerError:
    if error.category is not category:
        raise ValueError(f"{error.code!r} is registered as {error.category}, not {category}")
    return error
