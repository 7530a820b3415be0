"""RFC 8785 canonical JSON, refusing floats anywhere so signed data stays exact."""

from __future__ import annotations

import rfc8785

from ledger.errors import invalid

MAX_DEPTH = 32


def _check(value: object, path: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise invalid("nesting is too deep", path or "/")
    if value is None or isinstance(value, (bool, str)):
        return
    if isinstance(value, int):
        return
    if isinstance(value, float):
        raise invalid("floats are not allowed in signed data; use integer units", path or "/")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise invalid("object keys must be strings", path or "/")
            _check(item, f"{path}/{key.replace('~', '~0').replace('/', '~1')}", depth + 1)
        return
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _check(item, f"{path}/{index}", depth + 1)
        return
    raise invalid(f"type {type(value).__name__} cannot be canonicalised", path or "/")


def canonical_bytes(value: object) -> bytes:
    """Return the RFC 8785 canonical form of ``value``; floats and non-JSON types are refused."""
    _check(value, "", 0)
    try:
        return rfc8785.dumps(value)
    except rfc8785.CanonicalizationError as exc:
        raise invalid(f"not canonicalisable: {exc}") from exc
