"""JSON documents of bounded nesting, so hostile input is refused, never a crash.

Python's parser raises ``RecursionError`` on deep nesting (about 1,000 levels), and recursive
code downstream (canonical JSON, field checks) would fail sooner. ``loads`` refuses anything
nested deeper than ``MAX_DEPTH`` with a ``ValueError``, for the service and the offline
verifier alike.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

MAX_DEPTH = 64


def check_depth(value: object, max_depth: int = MAX_DEPTH) -> None:
    """Refuse (``ValueError``) a JSON value with arrays or objects nested deeper than allowed."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children: Iterable[object]
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > max_depth:
            raise ValueError(f"JSON nested deeper than {max_depth} levels")
        stack.extend((child, depth + 1) for child in children)


def loads(text: str | bytes, *, max_depth: int = MAX_DEPTH, **options: Any) -> Any:
    """``json.loads`` that refuses (``ValueError``) documents nested deeper than ``max_depth``."""
    try:
        value = json.loads(text, **options)
    except RecursionError as exc:
        raise ValueError(f"JSON nested deeper than {max_depth} levels") from exc
    check_depth(value, max_depth)
    return value
