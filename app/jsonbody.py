"""Strict JSON request bodies: one meaning per document, or a clear refusal."""

from __future__ import annotations

from flask import request
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from ledger import jsonlimits


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict:
    members = dict(pairs)
    if len(members) != len(pairs):  # name the first repeated member
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"duplicate member {key!r}")
            seen.add(key)
    return members


def _no_constants(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def json_body() -> object:
    """The request's JSON document; refuses other media types, duplicates, NaN, Infinity and
    nesting deeper than ``ledger.jsonlimits.MAX_DEPTH``."""
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("send the entry as application/json")
    raw = request.get_data(cache=True)  # size already bounded by MAX_CONTENT_LENGTH
    try:
        return jsonlimits.loads(
            raw.decode("utf-8"), object_pairs_hook=_no_duplicates, parse_constant=_no_constants
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}") from exc
