"""Exact, strict timestamp and date formats used in entries and records."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from ledger.errors import invalid

INSTANT_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?Z$"
_INSTANT = re.compile(INSTANT_PATTERN)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_instant(text: str, pointer: str = "") -> datetime:
    """Parse ``YYYY-MM-DDTHH:MM:SSZ`` (optionally with 6 fraction digits), always UTC."""
    if not isinstance(text, str) or not _INSTANT.match(text):
        raise invalid("must be a UTC timestamp like 2026-01-31T12:00:00Z", pointer)
    try:
        return datetime.fromisoformat(text)  # the pattern above leaves only UTC ("Z") forms
    except ValueError as exc:
        raise invalid("not a real calendar time", pointer) from exc


def parse_date(text: str, pointer: str = "") -> date:
    """Parse ``YYYY-MM-DD``."""
    if not isinstance(text, str) or not _DATE.match(text):
        raise invalid("must be a date like 2026-01-31", pointer)
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise invalid("not a real calendar date", pointer) from exc


def format_instant(moment: datetime, *, micro: bool = False) -> str:
    """Format a timezone-aware datetime as UTC; ``micro`` keeps microseconds."""
    moment = moment.astimezone(UTC)
    if micro:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def now(*, micro: bool = False) -> str:
    """The current UTC time, formatted."""
    return format_instant(datetime.now(UTC), micro=micro)
