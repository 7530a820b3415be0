"""RFC 8785 canonical JSON, refusing floats anywhere so signed data stays exact.

The ``rfc8785`` library is the reference. For the values the ledger signs (no floats, integers
within the exact range, object keys without characters beyond the Basic Multilingual Plane) the
standard library's C encoder with sorted keys and no whitespace writes exactly the same bytes:
it escapes the same characters the same way, and code-point order equals RFC 8785's UTF-16
order for such keys. Canonical bytes are on the hot path of every append and every
verification, so those values take that path; anything else goes to ``rfc8785``. A property
test holds the two to byte equality.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

from ledger.errors import invalid

MAX_DEPTH = 32
SAFE_INT = 2**53 - 1  # RFC 8785 numbers are IEEE 754 doubles: integers are exact up to here

_fast = json.JSONEncoder(
    ensure_ascii=False, allow_nan=False, sort_keys=True, separators=(",", ":")
).encode


class _Unusual(Exception):
    """``_scan`` met something ``_check`` must judge (and, if refused, name by its pointer)."""


def _scan(value: Any, depth: int) -> bool:
    """``_check`` for plain JSON values, without building pointers: True if every object key
    is within the BMP; raises ``_Unusual`` on anything else (a refusal or a subclass)."""
    if depth > MAX_DEPTH:
        raise _Unusual
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        if -SAFE_INT <= value <= SAFE_INT:
            return True
        raise _Unusual
    if kind is dict:
        bmp = True
        for key, item in value.items():
            if type(key) is not str:
                raise _Unusual
            if not key.isascii() and max(key) > "\uffff":
                bmp = False
            if not _scan(item, depth + 1):
                bmp = False
        return bmp
    if kind is list or kind is tuple:
        bmp = True
        for item in value:
            if not _scan(item, depth + 1):
                bmp = False
        return bmp
    raise _Unusual


def _check(value: object, path: str, depth: int) -> bool:
    """Refuse what cannot be canonical, naming where; True if every object key is within the
    BMP."""
    if depth > MAX_DEPTH:
        raise invalid("nesting is too deep", path or "/")
    if value is None or isinstance(value, (bool, str)):
        return True
    if isinstance(value, int):
        if not -SAFE_INT <= value <= SAFE_INT:
            raise invalid("integers must lie within ±(2**53 - 1)", path or "/")
        return True
    if isinstance(value, float):
        raise invalid("floats are not allowed in signed data; use integer units", path or "/")
    if isinstance(value, dict):
        bmp = True
        for key, item in value.items():
            if not isinstance(key, str):
                raise invalid("object keys must be strings", path or "/")
            if not key.isascii() and max(key) > "\uffff":
                bmp = False
            pointer = f"{path}/{key.replace('~', '~0').replace('/', '~1')}"
            bmp = _check(item, pointer, depth + 1) and bmp
        return bmp
    if isinstance(value, (list, tuple)):
        bmp = True
        for index, item in enumerate(value):
            bmp = _check(item, f"{path}/{index}", depth + 1) and bmp
        return bmp
    raise invalid(f"type {type(value).__name__} cannot be canonicalised", path or "/")


def canonical_bytes(value: object) -> bytes:
    """Return the RFC 8785 canonical form of ``value``; floats and non-JSON types are refused."""
    try:
        bmp = _scan(value, 0)
    except _Unusual:
        bmp = _check(value, "", 0)
    if bmp:
        try:
            return _fast(value).encode("utf-8")
        except UnicodeEncodeError as exc:  # a lone surrogate
            raise invalid("not canonicalisable: text is not valid Unicode") from exc
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, UnicodeEncodeError) as exc:  # (a surrogate key)
        raise invalid(f"not canonicalisable: {exc}") from exc
