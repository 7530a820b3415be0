"""ARM's daily benchmark prices and exchange rates, from CSV to signed entries.

Two CSV layouts, each with a header row, one row per day (figures as decimal text, exactly as
published; never binary floating point):

- prices: ``day,metal,currency,price_per_troy_oz`` (e.g. ``2026-11-30,gold,USD,4050.25``),
  posted as ``reference_price.posted`` in the currency's minor units;
- rates: ``day,base,quote,rate`` (e.g. ``2026-11-30,USD,COP,3912.45``: units of the quote
  currency per unit of the base), posted as ``exchange_rate.posted`` with ``rate_micro``.

A figure with more decimals than its unit holds (a price beyond the minor unit, a rate beyond
six decimals of minor units) is refused rather than rounded: ARM posts what it publishes.

    python -m ledger.benchmarks prices.csv --kind prices --url URL --party arm --key arm.pem
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from ledger.client import LedgerClient, LedgerHTTPError, Signer, http_transport
from ledger.keys import PrivateKey
from ledger.money import RATE_SCALE, minor_digits
from ledger.projections import JSONObject

KINDS = {
    "prices": ("reference_price.posted", ("day", "metal", "currency", "price_per_troy_oz")),
    "rates": ("exchange_rate.posted", ("day", "base", "quote", "rate")),
}


def exact(text: str, scale: int, where: str) -> int:
    """``text`` (a decimal) times ``scale``, which must be a whole number."""
    try:
        value = Decimal(text.strip()) * scale
    except InvalidOperation as exc:
        raise ValueError(f"{where}: {text!r} is not a decimal number") from exc
    if value != value.to_integral_value() or value <= 0:
        raise ValueError(f"{where}: {text!r} is not a positive figure in whole units")
    return int(value)


def bodies(kind: str, lines: Iterable[str]) -> list[JSONObject]:
    """The entry bodies the CSV rows state (``ValueError`` naming the row on bad input)."""
    _type, columns = KINDS[kind]
    reader = csv.DictReader(lines)
    if tuple(reader.fieldnames or ()) != columns:
        raise ValueError(f"the header must be {','.join(columns)}")
    found = []
    for number, row in enumerate(reader, start=2):
        where = f"row {number}"
        if kind == "prices":
            scale = 10 ** minor_digits(row["currency"])
            price = exact(row["price_per_troy_oz"], scale, where)
            found.append({**row, "price_per_troy_oz": price})
        else:
            shift = minor_digits(row["quote"]) - minor_digits(row["base"])
            scale = RATE_SCALE * 10**shift if shift >= 0 else RATE_SCALE // 10**-shift
            found.append({**row, "rate": exact(row["rate"], scale, where)})
            found[-1]["rate_micro"] = found[-1].pop("rate")
    return found


def post(client: LedgerClient, signer: Signer, kind: str, lines: Iterable[str]) -> list[JSONObject]:
    """Sign and post every row; returns the appended records."""
    type_, _columns = KINDS[kind]
    return [client.state(signer, type_, body) for body in bodies(kind, lines)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ledger.benchmarks", description=__doc__)
    parser.add_argument("csv", help="the CSV file")
    parser.add_argument("--kind", choices=sorted(KINDS), required=True)
    parser.add_argument("--url", required=True, help="the service, e.g. http://127.0.0.1:8000")
    parser.add_argument("--party", default="arm", help="ARM's party id")
    parser.add_argument("--key", required=True, help="ARM's private key (PKCS#8 PEM file)")
    args = parser.parse_args(argv)
    with open(args.key, "rb") as handle:
        signer = Signer(args.party, PrivateKey.from_pem(handle.read()))
    try:
        with open(args.csv, encoding="utf-8", newline="") as lines:
            records = post(LedgerClient(http_transport(args.url)), signer, args.kind, lines)
    except (OSError, ValueError) as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 1
    except LedgerHTTPError as exc:
        print(f"refused by the ledger: {exc}", file=sys.stderr)
        return 1
    print(f"posted {len(records)} {args.kind}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
