"""How the CLI shows things: records, refusals, tables and CSV files."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from typing import TextIO, TypeVar

import click

from ledger.projections import JSONObject

T = TypeVar("T")


def progress(items: Sequence[T], label: str) -> AbstractContextManager[Iterable[T]]:
    """A progress bar over ``items`` on standard error, drawn only on a terminal."""
    # click 8.5 deprecates get_text_stream and serves it from a module __getattr__ (-> object).
    stderr = click.get_text_stream("stderr")  # type: ignore[operator]
    return click.progressbar(items, label=label, file=stderr, hidden=not stderr.isatty())


def emit_json(document: object) -> None:
    click.echo(json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True))


def describe_record(record: JSONObject) -> str:
    """One line per appended record: seq, type, actor, what it acted on, and any flags."""
    entry = record["entry"]
    body = entry["body"]
    subject = body.get("lot_id") or body.get("party_id") or body.get("obligation_id") or ""
    if not subject and "inputs" in body:
        subject = "+".join(i["lot_id"] for i in body["inputs"])
    line = f"appended #{record['seq']} {entry['type']} by {entry['actor']}"
    if subject:
        line += f" {subject}"
    line += f"\n  entry_hash {record['entry_hash']}"
    for flag in record.get("flags", []):
        line += f"\n  flagged: {flag}"
    return line


def describe_problem(problem: JSONObject, status: int | None = None) -> str:
    """A refusal as its title, detail and the member it concerns."""
    code = problem.get("code") or "error"
    title = problem.get("title") or code
    status = status or problem.get("status")  # none for a refusal checked before sending
    lines = [f"refused ({f'{status} ' if status else ''}{code}): {title}"]
    if problem.get("detail"):
        lines.append(f"  {problem['detail']}")
    if problem.get("pointer"):
        lines.append(f"  member: {problem['pointer']}")
    for member, messages in (problem.get("errors") or {}).items():
        lines.append(f"  {member}: {messages}")
    return "\n".join(lines)


def table(rows: Sequence[JSONObject], columns: Sequence[str]) -> str:
    """A plain text table of ``columns`` (left-aligned, one header line)."""
    cells = [
        [str(row.get(c, "")) if row.get(c) is not None else "" for c in columns] for row in rows
    ]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join(lines)


def write_csv(rows: Iterable[JSONObject], columns: Sequence[str], handle: TextIO) -> int:
    """Write ``rows`` as CSV with a header; returns how many rows were written."""
    writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count
