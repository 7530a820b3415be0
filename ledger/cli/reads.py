"""Read commands: holdings, incoming lots, a lot's history, the log head, ARM's reports."""

from __future__ import annotations

import sys
import urllib.parse
from pathlib import Path

import click

from ledger.cli import units
from ledger.cli.caller import Caller, pass_caller
from ledger.cli.output import progress, table, write_csv
from ledger.projections import JSONObject

ACTIVE = ("held", "in_transit")


def lot_rows(lots: list[JSONObject]) -> list[JSONObject]:
    return [
        {
            "lot": lot["id"],
            "form": lot["form"],
            "gross": units.format_mass(lot["gross_mg"]),
            "fineness": units.format_fineness(lot["fineness"]),
            "fine": units.format_mass(lot["fine_mg"]),
            "claim": lot["claim"],
            "status": lot["status"],
            "from": lot.get("holder"),
        }
        for lot in lots
    ]


def _lots(caller: Caller, which: str, empty: str, everything: bool = True) -> None:
    items = caller.read(f"/api/v1/parties/{caller.party}/{which}")["items"]
    if not everything:
        items = [lot for lot in items if lot["status"] in ACTIVE]
    columns = ["lot", "form", "gross", "fineness", "fine", "claim", "status"]
    if which == "incoming":
        columns.append("from")
    caller.show(items, table(lot_rows(items), columns) if items else empty)


@click.command("holdings")
@click.option("--all", "everything", is_flag=True, help="also lots consumed or retired")
@pass_caller
def holdings(caller: Caller, everything: bool) -> None:
    """Lots you hold (and have shipped, until they are received)."""
    _lots(caller, "holdings", "you hold no lots", everything)


@click.command("incoming")
@pass_caller
def incoming(caller: Caller) -> None:
    """Lots in transit to you."""
    _lots(caller, "incoming", "no lots are on their way to you")


@click.group("lot")
def lot_group() -> None:
    """One lot: register it, show its state and history."""


@lot_group.command("show")
@click.argument("lot_id")
@pass_caller
def show_lot(caller: Caller, lot_id: str) -> None:
    """A lot's state and every record that acted on it, oldest first."""
    found = caller.read(f"/api/v1/lots/{lot_id}")
    lot = found["lot"]
    lines = [
        f"{lot['id']}: {lot['metal']} {lot['form']}, {units.format_mass(lot['gross_mg'])} at "
        f"{units.format_fineness(lot['fineness'])} ({units.format_mass(lot['fine_mg'])} fine), "
        f"claim {lot['claim']}, {lot['status']}, held by {lot['holder']}",
        f"head {lot['head']}",
        "history:",
    ]
    for record in found["history"]:
        entry = record["entry"]
        lines.append(
            f"  #{record['seq']:<7} {record['received_at']}  {entry['type']:<18} {entry['actor']}"
        )
    caller.show(found, "\n".join(lines))


@click.command("head")
@pass_caller
def head(caller: Caller) -> None:
    """The log's size and head hash (public)."""
    found = caller.read("/api/v1/log/head", public=True)
    caller.show(found, f"size {found['size']}\nhead {found['head_hash']}")


REPORTS = {
    "premiums": "/api/v1/reports/premiums",
    "yearly": "/api/v1/reports/premiums/yearly",
    "blocked": "/api/v1/reports/blocked-lots",
    "discrepancies": "/api/v1/reports/discrepancies",
}


def _flatten(report: JSONObject) -> list[JSONObject]:
    """The report's rows (the first list member), nested members as ``a.b`` columns."""
    rows = next((v for v in report.values() if isinstance(v, list)), [])
    flat = []
    for row in rows:
        out = {}
        for name, value in row.items():
            if isinstance(value, dict):
                out.update({f"{name}.{k}": v for k, v in value.items()})
            elif isinstance(value, list):
                out[name] = (
                    len(value)
                    if value and isinstance(value[0], dict)
                    else ",".join(map(str, value))
                )
            else:
                out[name] = value
        flat.append(out)
    return flat


@click.command("report")
@click.argument("which", type=click.Choice(sorted(REPORTS)))
@click.option("--from", "start", help="first day (premiums)")
@click.option("--to", "end", help="last day (premiums)")
@click.option("--period", type=click.Choice(("month", "quarter", "year")))
@click.option("--asmo", help="one mine only (premiums)")
@click.option("--as-of", help="the day the report is made for")
@click.option(
    "--csv",
    "csv_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="write the rows to this CSV file ('-' for standard output)",
)
@pass_caller
def report(
    caller: Caller,
    which: str,
    start: str | None,
    end: str | None,
    period: str | None,
    asmo: str | None,
    as_of: str | None,
    csv_file: Path | None,
) -> None:
    """ARM's reports as a table, JSON or a CSV file."""
    query = {"from": start, "to": end, "period": period, "asmo": asmo, "as_of": as_of}
    given = urllib.parse.urlencode({k: v for k, v in query.items() if v})
    found = caller.read(REPORTS[which] + (f"?{given}" if given else ""))
    rows = _flatten(found)
    columns = list(dict.fromkeys(c for row in rows for c in row))
    if csv_file is not None:
        if str(csv_file) == "-":
            write_csv(rows, columns, sys.stdout)
            return
        with (
            csv_file.open("w", newline="", encoding="utf-8") as handle,
            progress(rows, f"writing {csv_file}") as bar,
        ):
            count = write_csv(bar, columns, handle)
        click.echo(f"{count} rows written to {csv_file}", err=True)
        return
    caller.show(found, table(rows, columns) if rows else "no rows")


COMMANDS = (holdings, incoming, lot_group, head, report)
