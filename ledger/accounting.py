"""ARM's accounting of labelled metal: settlement assays, licensees' claims, certified capacity.

Pure and exact like ``ledger.reports``: mass in integer milligrams, money in minor units per
currency (never added across currencies).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from ledger.fairmined import certificate_year
from ledger.projections import Certificate, JSONObject, Obligation


def settlements(obligations: Iterable[Obligation]) -> list[JSONObject]:
    """Per ASMO and currency: fine metal as sold and as settled by assay, premium top-ups owed
    on richer metal and credits recorded for poorer metal."""
    rows: dict[tuple[str, str], dict[str, int]] = {}
    for o in obligations:
        if o["kind"] == "credit":  # Fairmined Credits have no settlement assay
            continue
        row = rows.setdefault(
            (o["asmo"], o["currency"]),
            {
                "sales": 0,
                "settled": 0,
                "fine_mg_sold": 0,
                "fine_mg_settled": 0,
                "top_ups": 0,
                "top_up_fine_mg": 0,
                "top_up_due": 0,
                "top_up_confirmed": 0,
                "credits": 0,
                "credit_fine_mg": 0,
                "credit": 0,
            },
        )
        if o["kind"] == "top-up":
            row["top_ups"] += 1
            row["top_up_fine_mg"] += o["fine_mg"]
            row["top_up_due"] += o["due"]
            row["top_up_confirmed"] += o["confirmed"]
            continue
        row["sales"] += 1
        row["fine_mg_sold"] += o["fine_mg"]
        if o["settled_seq"] is not None and o["settled_fine_mg"] is not None:  # set together
            row["settled"] += 1
            row["fine_mg_settled"] += o["settled_fine_mg"]
        if o["credit"]:
            row["credits"] += 1
            row["credit_fine_mg"] += o["credit_fine_mg"]
            row["credit"] += o["credit"]
    return [
        {"asmo": asmo, "currency": currency, **rows[(asmo, currency)]}
        for asmo, currency in sorted(rows)
    ]


def claims_by_licensee(
    claims: Iterable[JSONObject], start: date | None, end: date | None
) -> list[JSONObject]:
    """Per licensee: label claims made within ``[start, end]`` and the labelled fine metal they
    consumed, in total and per origin mine."""
    rows: dict[str, JSONObject] = {}
    for claim in claims:
        day = date.fromisoformat(claim["day"])
        if (start is not None and day < start) or (end is not None and day > end):
            continue
        row = rows.setdefault(claim["licensee"], {"claims": 0, "fine_mg": 0, "origins": {}})
        row["claims"] += 1
        row["fine_mg"] += claim["fine_mg"]
        for mine, mg in claim["origin_fine"].items():
            row["origins"][mine] = row["origins"].get(mine, 0) + mg
    return [
        {
            "licensee": licensee,
            "claims": row["claims"],
            "fine_mg": row["fine_mg"],
            "origins": [{"asmo": m, "fine_mg": mg} for m, mg in sorted(row["origins"].items())],
        }
        for licensee, row in sorted(rows.items())
    ]


def capacity_use(certificates: Iterable[Certificate], as_of: date) -> list[JSONObject]:
    """Per certificate: its certified scope (miners, fine metal a year) and the fine metal
    registered in the certificate year holding ``as_of``, with the share of the cap used (parts
    per 10,000, rounded down)."""
    rows = []
    for c in sorted(certificates, key=lambda c: (c["party"], c["id"])):
        year = certificate_year(date.fromisoformat(c["valid_from"]), as_of).isoformat()
        used = c["capacity_used"].get(year, 0)
        cap = c["capacity_fine_mg_per_year"]
        rows.append(
            {
                "certificate": c["id"],
                "asmo": c["party"],
                "status": c["status"],
                "miners": c["miners"],
                "capacity_fine_mg_per_year": cap,
                "year_from": year,
                "used_fine_mg": used,
                "used_bp": used * 10_000 // cap,
            }
        )
    return rows
