"""Provenance at scale: a bar with about 1,000 ancestor entries in a log of 1,000,000.

Builds a ledger in a scratch database (PostgreSQL, or ``--backend sqlite``):

* the story, through the real append path (``app.appender.Appender``) with real signatures:
  five certified mines each selling doré lots to a First Authorized Buyer (registered, sold,
  shipped, received with the buyer's weighing, assayed, premium paid and confirmed), filler
  entries in between so the story is spread over the log's first part; the buyer merges the
  doré into two lots, ships them to the refiner, who refines them into bars; bar 1 goes to a
  jeweller. The bar's provenance rests on about 1,000 records;
* filler: ``key.added`` entries of filler parties, signed in a process pool, admitted by the
  core's ``apply_entry`` (every rule; the signatures were just made here, so their check is
  skipped) and stored by the appender's own writers (records, Merkle nodes, projections,
  head) in large transactions, so the log grows fast to each size asked.

At each size (default 10,000, 100,000 and 1,000,000 records) a checkpoint is signed and the
bar's bundle built (``app.bundles.build``): its time, queries and bytes are printed, and
it is verified offline in a fresh interpreter (``python -m ledger.verify``), whose wall time
and peak RSS are printed. One inclusion proof is timed (median of 200) with the number of
stored tree nodes it reads, beside log2 of the size: proof cost grows as O(log n).

Run: ``.venv/bin/python -m bench.provenance [--sizes 10000,100000,1000000] [--lots 140]``;
``--quick`` uses 3,000 and 30,000 records and 30 lots.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import time
from contextlib import nullcontext
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path

from sqlalchemy import Engine, event

from app import bootstrap, bundles, checkpoints
from app.db import log
from app.db.store import SqlStore
from app.db.uow import reading, writing
from app.demo import Demo
from bench._common import (
    ROOT,
    announce,
    bench_parser,
    migrated_engine,
    scratch_dir,
    scratch_postgres,
    seeded_key,
)
from ledger import merkle, terms
from ledger.admission import apply_entry
from ledger.client import Signer
from ledger.keys import PrivateKey
from ledger.state import MemoryStore
from ledger.timefmt import format_instant, now

COLUMNS = (
    "log size",
    "records in bundle",
    "bundle KiB",
    "build s",
    "queries",
    "offline verify s",
    "verify peak RSS MiB",
    "one proof ms",
    "proof hashes",
    "nodes read",
    "log2(size)",
)
# ``python -m ledger.verify``, then its own peak RSS (VmHWM, kB) on stderr.
VERIFY_AND_REPORT_PEAK = """
import runpy, sys
sys.argv[0] = "ledger.verify"
try:
    runpy.run_module("ledger.verify", run_name="__main__")
finally:
    status = open("/proc/self/status").read().split("VmHWM:")[1].split()[0]
    print(status, file=sys.stderr)
"""
MINES = ("asmo-1", "asmo-2", "asmo-3", "asmo-4", "asmo-5")
FILLER_PARTIES = 64
CHUNK = 5_000  # filler records per transaction
ECO = {"mercury": False, "cyanide": False, "gravimetric_only": True}


# --- filler ------------------------------------------------------------------------------------


def _filler_signer(number: int) -> Signer:
    return Signer(f"filler-{number:03d}", seeded_key(f"provenance/filler/{number}"))


def _sign_filler(job: tuple[int, int, str]) -> list[dict]:
    start, count, created_at = job
    out = []
    for n in range(start, start + count):
        signer = _filler_signer(n % FILLER_PARTIES)
        public = PrivateKey.from_raw(n.to_bytes(32, "big")).public.b64  # distinct per entry
        out.append(
            signer.entry(
                "key.added",
                {"party_id": signer.party_id, "public_key": public},
                created_at=created_at,
            )
        )
    return out


class Filler:
    """Grows the log with filler entries, stored as the appender stores a batch."""

    def __init__(self, engine: Engine, demo: Demo):
        self.engine, self.made = engine, 0
        for number in range(FILLER_PARTIES):
            signer = _filler_signer(number)
            demo.signers[signer.party_id] = signer
            demo.state(
                "arm",
                "party.registered",
                {
                    "party_id": signer.party_id,
                    "name": f"Filler trader {number}",
                    "country": "CH",
                    "roles": ["supplier"],
                    "public_key": signer.key.public.b64,
                },
            )
        # What filler entries read: their party and its first key (each adds a new key).
        self.known = MemoryStore()
        with reading(engine) as connection:
            store = SqlStore(connection)
            for number in range(FILLER_PARTIES):
                signer = _filler_signer(number)
                self.known.put("party", store.get("party", signer.party_id))
                self.known.put("key", store.get("key", signer.key.key_id))
        self.pool = get_context("fork").Pool(os.cpu_count())

    def close(self) -> None:
        self.pool.close()
        self.pool.join()

    def grow(self, count: int) -> None:
        """Append ``count`` filler records."""
        created_at = now()
        per_job = 500
        jobs = [
            (self.made + i, min(per_job, count - i), created_at) for i in range(0, count, per_job)
        ]
        self.made += count
        pending: list[dict] = []
        for signed in self.pool.imap(_sign_filler, jobs):
            pending += signed
            while len(pending) >= CHUNK:
                self._store(pending[:CHUNK])
                del pending[:CHUNK]
        if pending:
            self._store(pending)

    def _store(self, entries: list[dict]) -> None:
        with writing(self.engine) as connection:
            start = head = log.lock_head(connection)
            received = format_instant(datetime.now(UTC), micro=True)
            appended, writes = [], []
            for entry in entries:
                applied = apply_entry(
                    self.known,  # its writes are new keys, kept out of this small store
                    entry,
                    seq=head.size + 1,
                    prev_hash=head.head_hash,
                    received_at=received,
                )
                appended.append((applied.record, None, log.entry_text(entry)))
                writes += applied.writes
                head = head._replace(size=applied.record.seq, head_hash=applied.record.entry_hash)
            head = head._replace(generation=start.generation + 1)
            frontier = log.frontier(connection, start.size)
            log.write_batch(connection, appended, start.size, frontier)
            SqlStore(connection).put_many(
                writes, head.generation, {(kind, value["id"]): None for kind, value in writes}
            )
            log.set_head(connection, head)


# --- the story ---------------------------------------------------------------------------------


def story(engine: Engine, keys_dir: Path, lots: int, filler_every: int, filler_size: int) -> dict:
    """Build the supply chain; returns ``{"bar": id, "operator": key, "filler": Filler}``."""
    operator = PrivateKey.generate()
    demo = Demo(engine, keys_dir)
    arm = demo.key("arm")
    bootstrap.genesis(demo.appender, operator, arm.public, origin="bench.gold-ledger/log")
    for party_id, roles, activities in (
        ("cert-1", ["certifier"], ["certification"]),
        *((mine, ["asmo"], ["mining"]) for mine in MINES),
        ("fab-1", ["first_buyer"], ["trading"]),
        ("refiner-1", ["supplier"], ["refining"]),
        ("jeweller-1", ["licensee"], ["manufacturing"]),
    ):
        country = "PE" if party_id.startswith("asmo") else "CH"
        demo.register(party_id, party_id.replace("-", " ").title(), country, roles, activities)
    for number, mine in enumerate(MINES):
        demo.certify("cert-1", f"FM-{number:03d}", mine, True)
    for party_id, role in (
        ("fab-1", "first_buyer"),
        ("refiner-1", "supplier"),
        ("jeweller-1", "licensee"),
    ):
        demo.authorise(party_id, role)
    today = now()[:10]
    demo.state(
        "arm",
        "reference_price.posted",
        {"metal": "gold", "day": today, "currency": "USD", "price_per_troy_oz": 4_000_00},
    )
    filler = Filler(engine, demo)
    dore = []
    for number in range(lots):
        mine, lot_id = MINES[number % len(MINES)], f"DORE-{number:04d}"
        demo.state(
            mine,
            "lot.registered",
            {
                "lot_id": lot_id,
                "metal": "gold",
                "form": "dore",
                "gross_mg": 1_000_000,
                "fineness": 8800,
                "claim": "ecological",
                "mine_site": f"site of {mine}",
                "production_from": "2026-01-01",
                "production_to": today,
                "processing": ECO,
            },
        )
        sealed, commitment = terms.seal(115_000_00, "USD")
        sale = demo.lot_op(
            mine, "lot.sold", lot_id, sealed, buyer="fab-1", terms_commitment=commitment
        )
        demo.lot_op(mine, "lot.shipped", lot_id, to="fab-1")
        demo.lot_op("fab-1", "lot.received", lot_id, gross_mg=999_800)
        demo.lot_op("fab-1", "lot.assayed", lot_id, fineness=8800, kind="final", laboratory="lab")
        due = 880 * 6_000_00 // 1000  # 880 g fine at USD 6,000 per kg
        for party, kind, day in (
            ("fab-1", "premium.paid", "paid_on"),
            (mine, "premium.confirmed", "received_on"),
        ):
            body = {
                "obligation_id": f"PRM-{sale['seq']}",
                "amount": due,
                "currency": "USD",
                day: today,
            }
            evidence = None
            if kind == "premium.paid":
                evidence, body["evidence_commitment"] = terms.seal_evidence(
                    f"transfer {sale['seq']}"
                )
            demo.state(party, kind, body, private=evidence)
        dore.append(lot_id)
        if (number + 1) % filler_every == 0:
            filler.grow(filler_size)
    halves = [dore[: len(dore) // 2], dore[len(dore) // 2 :]]
    for index, half in enumerate(halves):
        merged = f"MIX-{index}"
        demo.state(
            "fab-1",
            "lot.merged",
            {
                "inputs": [{"lot_id": i, "lot_head": demo.heads[i]} for i in half],
                "output": {"lot_id": merged, "form": "dore"},
            },
        )
        demo.lot_op("fab-1", "lot.shipped", merged, to="refiner-1")
        demo.lot_op("refiner-1", "lot.received", merged, gross_mg=999_800 * len(half))
    fine_in = sum(999_800 * len(h) * 8800 // 10_000 for h in halves)
    bar_mass = fine_in * 998 // 1000 // 4
    demo.state(
        "refiner-1",
        "lot.refined",
        {
            "inputs": [{"lot_id": f"MIX-{i}", "lot_head": demo.heads[f"MIX-{i}"]} for i in (0, 1)],
            "outputs": [
                {
                    "lot_id": f"BAR-{n}",
                    "form": "bar",
                    "gross_mg": bar_mass,
                    "fineness": 10_000,
                    "serial": f"B{n}",
                    "year": 2026,
                    "mark": "REFINER 1 999.9",
                }
                for n in range(4)
            ],
        },
    )
    demo.lot_op("refiner-1", "lot.shipped", "BAR-0", to="jeweller-1")
    demo.lot_op("jeweller-1", "lot.received", "BAR-0", gross_mg=bar_mass)
    return {"bar": "BAR-0", "operator": operator, "filler": filler}


# --- measuring ---------------------------------------------------------------------------------


class _CountingNodes(log.SqlNodes):
    reads = 0

    def nodes(self, keys):
        keys = list(keys)
        _CountingNodes.reads += len(set(keys))
        return super().nodes(keys)


def measure(engine: Engine, operator: PrivateKey, bar: str, workdir: Path) -> dict:
    """Checkpoint, bundle build, offline verify and one proof at the current size."""
    checkpoint = checkpoints.publish(engine, operator)
    queries = []
    listener = lambda *args: queries.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    began = time.perf_counter()
    bundle = bundles.build(engine, operator, bar, max_age_seconds=10**6)
    built = time.perf_counter() - began
    event.remove(engine, "before_cursor_execute", listener)
    path = workdir / f"bundle-{checkpoint.size}.json"
    path.write_text(json.dumps(bundle))
    began = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-c", VERIFY_AND_REPORT_PEAK, str(path), "--key", bundle["verifier_key"]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    verified = time.perf_counter() - began
    if run.returncode != 0:
        raise RuntimeError(f"offline verification failed:\n{run.stdout}{run.stderr}")
    output = run.stdout
    first = min(int(seq) for seq in bundle["proofs"])
    times = []
    with reading(engine) as connection:
        for _ in range(200):
            _CountingNodes.reads = 0
            began = time.perf_counter()
            proof = merkle.inclusion_proof_at(
                first - 1, checkpoint.size, _CountingNodes(connection)
            )
            times.append(time.perf_counter() - began)
    return {
        "size": checkpoint.size,
        "records": len(bundle["records"]),
        "bytes": path.stat().st_size,
        "build_s": built,
        "queries": len(queries),
        "verify_s": verified,
        "verify_rss_mib": int(run.stderr.split()[-1]) / 1024,
        "proof_ms": statistics.median(times) * 1000,
        "proof_len": len(proof),
        "node_reads": _CountingNodes.reads,
        "summary": output.strip().splitlines()[-1],
    }


def main(argv: list[str] | None = None) -> int:
    parser = bench_parser(__doc__, "3,000 and 30,000 records, 30 lots")
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--lots", type=int, default=140, help="doré lots in the bar's ancestry")
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.lots = "3000,30000", 30
    sizes = [int(s) for s in args.sizes.split(",")]
    announce(f"provenance, {args.backend}", args)
    with scratch_dir("bench-provenance-") as workdir:
        if args.backend == "postgresql":
            context = scratch_postgres("bench_provenance")
        else:
            context = nullcontext(f"sqlite:///{workdir / 'ledger.db'}")
        with context as url, migrated_engine(url) as engine:
            began = time.perf_counter()
            # Spread the story over the first size: filler after every 10 lots.
            filler_size = max(0, (sizes[0] - 12 * args.lots) // max(1, args.lots // 10))
            built = story(engine, workdir / "keys", args.lots, 10, filler_size)
            filler = built["filler"]
            try:
                rows = []
                for size in sizes:
                    with reading(engine) as connection:
                        current, _ = log.head(connection)
                    if size > current:
                        filler.grow(size - current)
                    print(
                        f"log at {size:,} records after {time.perf_counter() - began:,.0f} s",
                        flush=True,
                    )
                    rows.append(measure(engine, built["operator"], built["bar"], workdir))
                    print(f"  {rows[-1]}", flush=True)
            finally:
                filler.close()
    print()
    print(f"| {' | '.join(COLUMNS)} |")
    print("|" + "---:|" * len(COLUMNS))
    for r in rows:
        cells = [
            f"{r['size']:,}",
            f"{r['records']:,}",
            f"{r['bytes'] / 1024:,.0f}",
            f"{r['build_s']:.2f}",
            f"{r['queries']:,}",
            f"{r['verify_s']:.2f}",
            f"{r['verify_rss_mib']:.0f}",
            f"{r['proof_ms']:.2f}",
            f"{r['proof_len']}",
            f"{r['node_reads']}",
            f"{math.log2(r['size']):.1f}",
        ]
        print(f"| {' | '.join(cells)} |")
    print(f"offline verifier said: {rows[-1]['summary']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
