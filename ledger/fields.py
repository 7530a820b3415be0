"""Declarative, strict validation of entry bodies, also rendered as JSON Schema for the API docs.

Unknown members are refused, integers are exact (booleans are not integers), and every refusal
names the offending member as a JSON Pointer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ledger.errors import invalid
from ledger.timefmt import parse_date, parse_instant

MAX_SAFE_INT = 2**53 - 1


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


class Field:
    """A member's type and constraints."""

    description: str = ""

    def check(self, value: Any, pointer: str) -> Any:
        raise NotImplementedError

    def schema(self) -> dict:
        raise NotImplementedError

    def _with_description(self, schema: dict) -> dict:
        if self.description:
            schema["description"] = self.description
        return schema


@dataclass
class Str(Field):
    pattern: str | None = None
    max_len: int = 200
    min_len: int = 1
    choices: tuple[str, ...] | None = None
    description: str = ""

    def check(self, value: Any, pointer: str) -> str:
        if not isinstance(value, str):
            raise invalid("must be a string", pointer)
        if not self.min_len <= len(value) <= self.max_len:
            raise invalid(f"length must be {self.min_len}..{self.max_len}", pointer)
        if self.choices is not None and value not in self.choices:
            raise invalid(f"must be one of {', '.join(self.choices)}", pointer)
        if self.pattern is not None and not _compiled(self.pattern).fullmatch(value):
            raise invalid(f"must match {self.pattern}", pointer)
        return value

    def schema(self) -> dict:
        schema: dict = {
            "type": "string",
            "minLength": self.min_len,
            "maxLength": self.max_len,
        }
        if self.pattern:
            schema["pattern"] = f"^{self.pattern}$"
        if self.choices:
            schema["enum"] = list(self.choices)
        return self._with_description(schema)


@dataclass
class Int(Field):
    minimum: int = 0
    maximum: int = MAX_SAFE_INT
    description: str = ""

    def check(self, value: Any, pointer: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid("must be an integer", pointer)
        if not self.minimum <= value <= self.maximum:
            raise invalid(f"must be between {self.minimum} and {self.maximum}", pointer)
        return value

    def schema(self) -> dict:
        schema = {"type": "integer", "minimum": self.minimum, "maximum": self.maximum}
        return self._with_description(schema)


@dataclass
class Bool(Field):
    description: str = ""

    def check(self, value: Any, pointer: str) -> bool:
        if not isinstance(value, bool):
            raise invalid("must be true or false", pointer)
        return value

    def schema(self) -> dict:
        return self._with_description({"type": "boolean"})


@dataclass
class Date(Field):
    description: str = ""

    def check(self, value: Any, pointer: str) -> str:
        parse_date(value, pointer)
        return value

    def schema(self) -> dict:
        return self._with_description({"type": "string", "format": "date"})


@dataclass
class Instant(Field):
    description: str = ""

    def check(self, value: Any, pointer: str) -> str:
        parse_instant(value, pointer)
        return value

    def schema(self) -> dict:
        return self._with_description({"type": "string", "format": "date-time"})


@dataclass
class List(Field):
    item: Field
    min_items: int = 1
    max_items: int = 100
    unique: bool = False
    description: str = ""

    def check(self, value: Any, pointer: str) -> list:
        if not isinstance(value, list):
            raise invalid("must be an array", pointer)
        if not self.min_items <= len(value) <= self.max_items:
            raise invalid(f"must have {self.min_items}..{self.max_items} items", pointer)
        checked = [self.item.check(v, f"{pointer}/{i}") for i, v in enumerate(value)]
        if self.unique and len({repr(v) for v in checked}) != len(checked):
            raise invalid("items must be unique", pointer)
        return checked

    def schema(self) -> dict:
        schema = {
            "type": "array",
            "items": self.item.schema(),
            "minItems": self.min_items,
            "maxItems": self.max_items,
        }
        if self.unique:
            schema["uniqueItems"] = True
        return self._with_description(schema)


@dataclass
class Obj(Field):
    members: dict[str, Field]
    optional: frozenset[str] = field(default_factory=frozenset)
    description: str = ""

    def check(self, value: Any, pointer: str = "") -> dict:
        if not isinstance(value, dict):
            raise invalid("must be an object", pointer or "/")
        unknown = sorted(set(value) - set(self.members))
        if unknown:
            raise invalid(f"unknown member {unknown[0]!r}", f"{pointer}/{unknown[0]}")
        out = {}
        for name, member in self.members.items():
            if name not in value:
                if name in self.optional:
                    continue
                raise invalid("is required", f"{pointer}/{name}")
            out[name] = member.check(value[name], f"{pointer}/{name}")
        return out

    def schema(self) -> dict:
        schema = {
            "type": "object",
            "properties": {name: m.schema() for name, m in self.members.items()},
            "required": [n for n in self.members if n not in self.optional],
            "additionalProperties": False,
        }
        return self._with_description(schema)


# Shared member types.
PARTY_ID = Str(pattern=r"[a-z0-9][a-z0-9-]{2,63}", max_len=64, description="party identifier")
LOT_ID = Str(pattern=r"[A-Z0-9][A-Z0-9-]{2,63}", max_len=64, description="lot identifier")
HASH_HEX = Str(pattern=r"[0-9a-f]{64}", min_len=64, max_len=64, description="SHA-256, hex")
KEY_ID = Str(pattern=r"[0-9a-f]{32}", min_len=32, max_len=32, description="key id")
PUBLIC_KEY = Str(
    pattern=r"[A-Za-z0-9+/]{43}=",
    min_len=44,
    max_len=44,
    description="Ed25519 public key, base64 of 32 raw bytes",
)
COUNTRY = Str(pattern=r"[A-Z]{2}", min_len=2, max_len=2, description="ISO 3166-1 alpha-2")
CURRENCY = Str(pattern=r"[A-Z]{3}", min_len=3, max_len=3, description="ISO 4217 code")
NAME = Str(max_len=200, description="human-readable name")
TEXT = Str(max_len=1000, description="free text")
MASS_MG = Int(minimum=1, maximum=10**12, description="mass in integer milligrams")
FINENESS = Int(minimum=1, maximum=10_000, description="parts per 10,000 (9999 = 999.9)")
MONEY = Int(minimum=0, maximum=10**15, description="amount in integer minor units")
