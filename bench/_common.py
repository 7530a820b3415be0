"""Shared helpers for the benchmarks: scratch databases, a small ledger world, percentiles.

Scratch PostgreSQL databases are created from ``BENCH_POSTGRES_URL`` (default: the local test
server) and dropped on exit; scratch files live in a temporary directory removed on exit.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import resource
import sqlite3
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from app.appender import Appender
from app.db.engine import make_engine
from app.db.migrate import upgrade
from ledger.client import Signer
from ledger.fairmined import SEED_RATES
from ledger.keys import PrivateKey
from ledger.timefmt import format_instant
from ledger.types.identity import DEFAULT_PARAMS

PG_ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def scratch_postgres(prefix: str = "bench") -> Iterator[str]:
    """A fresh, empty PostgreSQL database; yields its SQLAlchemy URL and drops it afterwards."""
    admin_url = make_url(PG_ADMIN_URL)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield admin_url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@contextmanager
def scratch_dir(prefix: str = "bench-") -> Iterator[Path]:
    """A temporary directory, removed on exit."""
    with tempfile.TemporaryDirectory(prefix=prefix) as name:
        yield Path(name)


@contextmanager
def migrated_engine(url: str) -> Iterator[Engine]:
    """An engine on ``url`` with the schema migrated; disposed on exit."""
    engine = make_engine(url)
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()


def seeded_key(name: str) -> PrivateKey:
    """A deterministic key, so pre-signed entries stay valid on every fresh bench database."""
    return PrivateKey.from_raw(hashlib.sha256(b"gold-ledger/bench/" + name.encode()).digest())


@dataclass
class World:
    """Signers of a ledger created by ``make_world``: operator, ARM and registered parties."""

    operator: Signer
    arm: Signer
    parties: list[Signer] = field(default_factory=list)


def world_signers(parties: int) -> World:
    """The deterministic signers of a bench world with ``parties`` registered parties."""
    return World(
        Signer("operator", seeded_key("operator")),
        Signer("arm", seeded_key("arm")),
        [Signer(f"bench-party-{n:04d}", seeded_key(f"party-{n}")) for n in range(parties)],
    )


def make_world(
    engine: Engine,
    parties: int,
    roles: tuple[str, ...] = ("supplier",),
    created_at: str | None = None,
) -> World:
    """Append a genesis and ``parties`` registrations by ARM through the real append path.

    Keys are deterministic (``seeded_key``); ``created_at`` (default: an hour ago) dates the
    setup entries, so entries signed later by these parties are valid in any bench world.
    """
    created_at = created_at or format_instant(datetime.now(UTC) - timedelta(hours=1))
    world = world_signers(parties)
    body = {
        "origin": "bench.gold-ledger/log",
        "operator": {
            "party_id": "operator",
            "name": "Ledger operator",
            "country": "CH",
            "public_key": world.operator.key.public.b64,
        },
        "arm": {
            "party_id": "arm",
            "name": "Alliance for Responsible Mining",
            "country": "CO",
            "public_key": world.arm.key.public.b64,
        },
        "params": dict(DEFAULT_PARAMS),
        "rates": list(SEED_RATES),
    }
    appender = Appender(engine)
    appender.append(
        world.operator.entry("ledger.genesis", body, created_at=created_at), skew=300, max_age=86400
    )
    for number, signer in enumerate(world.parties):
        body = {
            "party_id": signer.party_id,
            "name": f"Bench party {number}",
            "country": "CO",
            "roles": list(roles),
            "public_key": signer.key.public.b64,
        }
        entry = world.arm.entry("party.registered", body, created_at=created_at)
        appender.append(entry, skew=300, max_age=86400)
    return world


def cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def background_busy(seconds: float = 1.0) -> float:
    """Share of all cores busy over ``seconds`` (other people's work: noise in the figures)."""
    before = cpu_ticks()
    time.sleep(seconds)
    after = cpu_ticks()
    return (after[0] - before[0]) / max(1, after[1] - before[1])


def wait_until_quiet(max_wait: float, threshold: float = 0.15) -> float:
    """Wait (at most ``max_wait`` s) for other work to leave the cores idle; the last busy share.

    Other people's tests on the same machine skew every figure, so each benchmark prints this.
    """
    deadline = time.monotonic() + max_wait
    while True:
        busy = background_busy()
        if busy <= threshold or time.monotonic() >= deadline:
            return busy
        time.sleep(2.0)


def bench_parser(doc: str, quick: str) -> argparse.ArgumentParser:
    """A benchmark's argument parser with the options all of them take; ``quick`` says what
    ``--quick`` runs."""
    found = argparse.ArgumentParser(description=doc.split("\n", 1)[0])
    found.add_argument("--quick", action="store_true", help=quick)
    found.add_argument(
        "--wait-quiet",
        type=float,
        default=120.0,
        help="wait up to this many seconds for other work to leave the cores idle",
    )
    return found


def announce(title: str, args: argparse.Namespace) -> None:
    """Print what runs where, then wait (not for ``--quick``) for the cores to be idle."""
    print(f"# {title}; {versions()}", flush=True)
    busy = wait_until_quiet(0 if args.quick else args.wait_quiet)
    print(f"background CPU busy before the run: {busy:.0%}", flush=True)


def percentile(sorted_values: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100) of an already sorted list, nearest-rank."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(q / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def peak_rss_mib(children: bool = False) -> float:
    """Peak resident set size of this process (or the largest of its waited-for children), MiB.

    This process's own peak is ``VmHWM`` of its memory map: ``getrusage``'s figure of a
    process started by ``subprocess`` (vfork, then exec) also counts its parent's peak.
    """
    if not children:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def versions() -> str:
    """One line naming the machine and the versions the figures were measured with."""
    try:
        pg = subprocess.run(
            [
                "psql",
                str(make_url(PG_ADMIN_URL).set(drivername="postgresql")),
                "-Atc",
                "show server_version",
            ],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
    except OSError:
        pg = "?"
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    packages = ", ".join(
        f"{name} {metadata.version(name)}"
        for name in ("cryptography", "gunicorn", "Flask", "SQLAlchemy", "psycopg")
    )
    return (
        f"{os.cpu_count()} cores, {memory:.0f} GiB; Python {platform.python_version()}; "
        f"PostgreSQL {pg}; SQLite {sqlite3.sqlite_version}; {packages}"
    )
