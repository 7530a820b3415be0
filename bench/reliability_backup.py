"""Backups of a live demo ledger: PostgreSQL dump + restore, and SQLite's online backup API.

For each database a demo ledger is built (``app.demo.build``) and a checkpoint signed. Then,
while a writer keeps appending entries to the original, it is copied:

* PostgreSQL: ``pg_dump -Fc`` (one consistent snapshot) and ``pg_restore`` into a fresh database
  of a throwaway cluster (``bench.reliability_common``);
* SQLite: ``sqlite3.Connection.backup`` into a fresh file, in one step (one read snapshot of
  the WAL database, while the writer keeps committing).

The restored ledger must verify (``verify_log`` with replay) and be a prefix of the original
(same root at its size). More entries are then appended to the restored ledger and a new
checkpoint signed; the original's checkpoint must be consistent with it
(``app.checkpoints.consistency`` proof, checked with ``ledger.merkle.verify_consistency``), and
the same proof must fail against a tampered root (the check is not vacuous).

Run: ``.venv/bin/python -m bench.reliability_backup [--port 55433]``.
"""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine

from app import checkpoints, demo
from app.appender import Appender
from app.db import log
from app.db.engine import make_engine
from app.db.log import SqlNodes
from app.db.migrate import upgrade
from app.db.uow import reading
from app.integrity import verify_log
from bench._common import scratch_dir
from bench.reliability_common import PG_BIN, report, throwaway_cluster
from ledger import merkle, terms
from ledger.client import Signer
from ledger.errors import LedgerError
from ledger.keys import PrivateKey
from ledger.timefmt import now

ORIGIN = "backup.gold-ledger/log"
MORE_ENTRIES = 25


class Writer(threading.Thread):
    """Appends ``key.added`` entries of a demo party until stopped."""

    def __init__(self, engine: Engine, signer: Signer):
        super().__init__()
        self.appender, self.signer = Appender(engine), signer
        self.stop, self.count = threading.Event(), 0

    def run(self) -> None:
        while not self.stop.is_set() and self.count < 5_000:
            body = {
                "party_id": self.signer.party_id,
                "public_key": PrivateKey.generate().public.b64,
            }
            self.appender.append(self.signer.entry("key.added", body), skew=300, max_age=86400)
            self.count += 1


def size_and_root(engine: Engine, size: int | None = None) -> tuple[int, bytes]:
    with reading(engine) as connection:
        size = size or log.head(connection)[0]
        return size, merkle.root_at(size, SqlNodes(connection))


def more_entries(engine: Engine, keys: Path) -> None:
    """Register, sell, ship and receive new lots with the demo's party keys."""
    appender = demo.Demo(engine, keys)
    for party in ("arm", "asmo-el-tambo", "fab-andina"):
        appender.key(party)
    today = now()[:10]
    price = {"metal": "gold", "day": today, "currency": "USD", "price_per_troy_oz": 4_050_00}
    appender.state("arm", "reference_price.posted", price)  # the demo's prices are older
    for number in range(MORE_ENTRIES // 5):
        lot_id = f"DORE-RESTORED-{number:03d}"
        body = {
            "lot_id": lot_id,
            "metal": "gold",
            "form": "dore",
            "gross_mg": 900_000,
            "fineness": 8_800,
            "claim": "ecological",
            "mine_site": demo.MINES[0][1],
            "production_from": "2026-09-01",
            "production_to": today,
            "processing": demo.ECO,
        }
        appender.state("asmo-el-tambo", "lot.registered", body)
        sealed, commitment = terms.seal(900 * 8_800 // 10_000 * 13_500, "USD")
        appender.lot_op(
            "asmo-el-tambo", "lot.sold", lot_id, sealed,
            buyer="fab-andina", terms_commitment=commitment,
        )  # fmt: skip
        appender.lot_op("asmo-el-tambo", "lot.shipped", lot_id, to="fab-andina")
        appender.lot_op("fab-andina", "lot.received", lot_id, gross_mg=899_900)
        appender.state(
            "fab-andina", "key.added",
            {"party_id": "fab-andina", "public_key": PrivateKey.generate().public.b64},
        )  # fmt: skip


def exercise(label: str, original: Engine, copy: Callable[[], Engine], workdir: Path) -> list[str]:
    """Demo ledger, checkpoint, copy under writes, verify, append, prove consistency."""
    failures = []
    keys = workdir / f"{label}-keys"
    operator = PrivateKey.generate()
    upgrade(original)
    demo.build(original, keys, operator, ORIGIN)
    first = checkpoints.publish(original, operator)
    writer = Writer(original, Signer("jeweller-lumiere", PrivateKey.from_pem(
        (keys / "jeweller-lumiere.pem").read_bytes())))  # fmt: skip
    writer.start()
    try:
        time.sleep(0.3)  # the copy starts while entries are being appended
        began = time.perf_counter()
        restored = copy()
        copy_seconds = time.perf_counter() - began
    finally:
        writer.stop.set()
        writer.join(timeout=60)
    try:
        original_size, _ = size_and_root(original)
        report = verify_log(restored, replay=True)
        size, root = size_and_root(restored)
        prefix = size_and_root(original, size)[1] == root
        print(
            f"{label}: checkpoint of the original at size {first.size}; copied in "
            f"{copy_seconds:.2f} s while {writer.count} entries were appended (original now "
            f"{original_size} records); restored copy has {size} records, verify --replay "
            f"{'OK' if report.ok else f'FAILED {report.failure}'}, "
            f"{'a prefix of' if prefix else 'DIFFERENT from'} the original"
        )
        if not report.ok:
            failures.append(f"{label}: the restored ledger does not verify: {report.failure}")
        if not prefix or size < first.size:
            failures.append(f"{label}: the restored ledger is not a prefix of the original")

        more_entries(restored, keys)
        second = checkpoints.publish(restored, operator)
        with reading(restored) as connection:
            proof = checkpoints.consistency(connection, first.size, second.size)
        merkle.verify_consistency(first.size, second.size, proof, first.root, second.root)
        tampered = bytes([first.root[0] ^ 1]) + first.root[1:]
        try:
            merkle.verify_consistency(first.size, second.size, proof, tampered, second.root)
            failures.append(f"{label}: a tampered root passed the consistency check")
        except LedgerError:
            pass
        after = verify_log(restored, replay=True)
        print(
            f"{label}: {second.size - size} entries appended to the restored copy; checkpoint "
            f"{first.size} (original) is consistent with checkpoint {second.size} (restored): "
            f"proof of {len(proof)} hashes verifies, fails against a tampered root; "
            f"verify --replay {'OK' if after.ok else f'FAILED {after.failure}'}"
        )
        if not after.ok:
            failures.append(f"{label}: the extended copy does not verify: {after.failure}")
    finally:
        restored.dispose()
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--port", type=int, default=55433, help="the throwaway cluster's port")
    args = parser.parse_args(argv)
    failures: list[str] = []
    with scratch_dir("reliability-backup-") as workdir:
        with throwaway_cluster(args.port) as cluster:
            original = make_engine(cluster.create_database("original"))

            def dump_and_restore() -> Engine:
                dump = workdir / "ledger.dump"
                subprocess.run(
                    [str(PG_BIN / "pg_dump"), "-Fc", "-f", str(dump), *cluster.libpq("original")],
                    check=True, capture_output=True, timeout=300,
                )  # fmt: skip
                url = cluster.create_database("restored")
                subprocess.run(
                    [str(PG_BIN / "pg_restore"), "--no-owner", "--exit-on-error",
                     *cluster.libpq("restored"), str(dump)],
                    check=True, capture_output=True, timeout=300,
                )  # fmt: skip
                print(f"postgresql: pg_dump -Fc wrote {dump.stat().st_size:,} bytes")
                return make_engine(url)

            try:
                failures += exercise("postgresql", original, dump_and_restore, workdir)
            finally:
                original.dispose()

        source = workdir / "original.db"
        original = make_engine(f"sqlite:///{source}")

        def online_backup() -> Engine:
            target = workdir / "restored.db"
            src, dst = sqlite3.connect(source), sqlite3.connect(target)
            try:
                src.backup(dst)  # one step: one read snapshot, while the writer commits
            finally:
                dst.close()
                src.close()
            print(f"sqlite: the backup API copied {target.stat().st_size:,} bytes")
            return make_engine(f"sqlite:///{target}")

        try:
            failures += exercise("sqlite", original, online_backup, workdir)
        finally:
            original.dispose()
    return report(failures)


if __name__ == "__main__":
    sys.exit(main())
