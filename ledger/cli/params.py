"""Click parameter types for human units (see ``ledger.cli.units``)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ledger.cli import units
from ledger.errors import LedgerError
from ledger.keys import PrivateKey, PublicKey

if TYPE_CHECKING:  # click types a parameter type by its value and input (only to type checkers)
    ParamType = click.ParamType[Any, Any]
else:
    ParamType = click.ParamType


class Mass(ParamType):
    """``1.2497 kg``, ``1249.7 g`` or ``1249700 mg``, to integer milligrams."""

    name = "MASS"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        try:
            return units.parse_mass_mg(value)
        except units.UnitError as exc:
            self.fail(str(exc), param, ctx)


class Money(ParamType):
    """``USD 4,902.00``, to (currency, integer minor units)."""

    name = "AMOUNT"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[str, int]:
        if isinstance(value, tuple):
            return value
        try:
            return units.parse_money(value)
        except units.UnitError as exc:
            self.fail(str(exc), param, ctx)


class Fineness(ParamType):
    """``999.9`` (per mille), ``99.99%`` or ``9999/10000``, to parts per 10,000."""

    name = "FINENESS"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        try:
            return units.parse_fineness(value)
        except units.UnitError as exc:
            self.fail(str(exc), param, ctx)


class PublicKeyParam(ParamType):
    """A public key: base64 of its 32 raw bytes, or a PEM file (public or private)."""

    name = "KEY"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> PublicKey:
        if isinstance(value, PublicKey):
            return value
        path = Path(value).expanduser()
        try:
            if path.is_file():
                data = path.read_bytes()
                if b"PRIVATE KEY" in data:
                    return PrivateKey.from_pem(data).public
                return PublicKey.from_pem(data)
            return PublicKey.from_b64(value)
        except (LedgerError, ValueError) as exc:
            self.fail(f"{value!r} is neither a base64 Ed25519 public key nor a PEM file: {exc}")


MASS, MONEY, FINENESS, PUBLIC_KEY = Mass(), Money(), Fineness(), PublicKeyParam()
DAY = click.DateTime(formats=["%Y-%m-%d"])


def day(value: datetime | None) -> str | None:
    """A ``click.DateTime`` value as ``YYYY-MM-DD``."""
    return value.date().isoformat() if value is not None else None
