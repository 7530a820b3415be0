"""Full verification speed of a long log, single-process and on all cores, and its memory.

1. Generates a synthetic but valid log of N records as JSON lines (one ``Record.to_json()`` a
   line): a genesis, ``--parties`` parties registered by ARM (ASMOs, buyers, suppliers), each
   adding a second key, every third one then revoking its first key, and the rest
   ``lot.registered`` entries (unlabelled lots, so they would pass ``replay`` too) signed by
   those parties with their active keys. Signing runs in a process pool on every core; the
   calling process chains the records (``make_record``) and streams them to the file, with a
   bounded number of batches in flight, so memory stays flat.
2. Verifies the file in a fresh interpreter per run (hash chain + every signature + key
   state), streaming it line by line: ``ledger.audit.audit`` (one process) and
   ``ledger.parallel_audit.parallel_audit`` (all cores), plus a parse-only pass (reading and
   ``json.loads`` alone, the floor of the sequential part). Each run reports records/s and the
   peak RSS (``getrusage`` maxrss) of the verifying process and of its pool workers.
3. Measures the raw Ed25519 verify rate of ``cryptography`` (one core, then every core).

Two sizes (default 100,000 and 1,000,000) show whether peak RSS grows with N.

Run: ``.venv/bin/python -m bench.verify_log [--sizes 100000,1000000]``; ``--quick`` uses
10,000 and 50,000 records.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import deque
from datetime import UTC, datetime, timedelta
from multiprocessing import get_context
from pathlib import Path
from resource import RUSAGE_CHILDREN, RUSAGE_SELF, getrusage

from bench._common import (
    ROOT,
    announce,
    bench_parser,
    cpu_ticks,
    peak_rss_mib,
    scratch_dir,
    seeded_key,
)
from ledger.client import Signer
from ledger.keys import PrivateKey
from ledger.record import GENESIS_PREV, make_record, record_from_json
from ledger.timefmt import format_instant
from ledger.types.identity import DEFAULT_PARAMS

ROLES = ("asmo", "first_buyer", "supplier")
T_SETUP = "2026-03-01T10:00:00Z"
T_REVOKE = "2026-03-01T11:00:00Z"
T_ENTRIES = "2026-03-01T12:00:00Z"
RECEIVED_FROM = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
BATCH = 2000


def party_id(number: int) -> str:
    return f"party-{number:04d}"


def party_keys(number: int) -> list[PrivateKey]:
    """The two keys every party registers (deterministic, so workers can rebuild them)."""
    return [seeded_key(f"verify/{number}/{k}") for k in range(2)]


def active_keys(number: int) -> list[PrivateKey]:
    """Keys still active after the identity prelude: every third party revoked its first."""
    keys = party_keys(number)
    return keys[1:] if number % 3 == 0 else keys


def identity_prelude(parties: int) -> list[tuple[str, dict]]:
    """``(kind, entry)`` of the genesis and the party and key entries, in log order."""
    operator, arm = Signer("operator", seeded_key("operator")), Signer("arm", seeded_key("arm"))
    founder = {"country": "CH"}
    body = {
        "origin": "bench.gold-ledger/log",
        "operator": {**founder, "party_id": "operator", "name": "Operator",
                     "public_key": operator.key.public.b64},
        "arm": {**founder, "party_id": "arm", "name": "ARM", "public_key": arm.key.public.b64},
        "params": dict(DEFAULT_PARAMS),
        "rates": [],
    }  # fmt: skip
    entries = [operator.entry("ledger.genesis", body, created_at=T_SETUP)]
    for number in range(parties):
        first, second = party_keys(number)
        body = {
            "party_id": party_id(number),
            "name": f"Party {number}",
            "country": "PE",
            "roles": [ROLES[number % len(ROLES)]],
            "public_key": first.public.b64,
        }
        entries.append(arm.entry("party.registered", body, created_at=T_SETUP))
        signer = Signer(party_id(number), first)
        body = {"party_id": party_id(number), "public_key": second.public.b64}
        entries.append(signer.entry("key.added", body, created_at=T_SETUP))
        if number % 3 == 0:
            body = {"party_id": party_id(number), "key_id": first.key_id}
            signer = Signer(party_id(number), second)
            entries.append(signer.entry("key.revoked", body, created_at=T_REVOKE))
    return entries


_SIGNERS: dict[int, list[Signer]] = {}


def _sign_lots(job: tuple[int, int, int]) -> list[dict]:
    """Worker: signed lot registrations number ``start`` to ``start + count - 1``."""
    start, count, parties = job
    out = []
    for number in range(start, start + count):
        owner = number % parties
        if owner not in _SIGNERS:
            _SIGNERS[owner] = [Signer(party_id(owner), key) for key in active_keys(owner)]
        signers = _SIGNERS[owner]
        signer = signers[(number // parties) % len(signers)]
        body = {
            "lot_id": f"LOT-{number:08d}",
            "metal": "gold",
            "form": "dore",
            "gross_mg": 500_000 + number % 1_000_000,
            "fineness": 8000 + number % 1000,
            "claim": "none",
            "mine_site": f"Site {owner}, Puno",
            "production_from": "2026-01-01",
            "production_to": "2026-02-28",
            "processing": {"mercury": False, "cyanide": False, "gravimetric_only": True},
        }
        out.append(signer.entry("lot.registered", body, created_at=T_ENTRIES))
    return out


def generate(path: Path, size: int, parties: int) -> tuple[float, float]:
    """Write a valid log of ``size`` records to ``path``; returns (seconds, peak RSS MiB)."""
    began = time.perf_counter()
    prelude = identity_prelude(parties)
    if size < len(prelude):
        raise SystemExit(f"--size must be at least {len(prelude)} for {parties} parties")
    lots = size - len(prelude)
    jobs = [(start, min(BATCH, lots - start), parties) for start in range(0, lots, BATCH)]
    seq, prev = 0, GENESIS_PREV
    with path.open("w") as out, get_context("fork").Pool(os.cpu_count()) as pool:

        def write(entry: dict) -> None:
            nonlocal seq, prev
            seq += 1
            received = format_instant(RECEIVED_FROM + timedelta(microseconds=seq), micro=True)
            record = make_record(seq, prev, received, entry)
            out.write(json.dumps(record.to_json(), separators=(",", ":")) + "\n")
            prev = record.entry_hash

        for entry in prelude:
            write(entry)
        pending: deque = deque()
        jobs_left = deque(jobs)
        while jobs_left or pending:
            while jobs_left and len(pending) < 2 * (os.cpu_count() or 1) + 2:
                pending.append(pool.apply_async(_sign_lots, (jobs_left.popleft(),)))
            for entry in pending.popleft().get(timeout=600):
                write(entry)
    return time.perf_counter() - began, peak_rss_mib() + peak_rss_mib(children=True)


# --- verification, in a fresh interpreter per run ------------------------------------------------


def records_of(path: Path):
    with path.open() as lines:
        for line in lines:
            yield record_from_json(json.loads(line))


def verify_here(path: Path, mode: str) -> dict:
    """Run one verification in this process; the figures as a dict."""
    from ledger.audit import audit
    from ledger.parallel_audit import parallel_audit

    began = time.perf_counter()
    if mode == "parse":
        size, ok = sum(1 for _ in records_of(path)), True
    elif mode == "single":
        report = audit(records_of(path))
        size, ok = report.size, report.ok
    else:
        report = parallel_audit(records_of(path))
        size, ok = report.size, report.ok
    cpu = sum(
        usage.ru_utime + usage.ru_stime
        for usage in (getrusage(RUSAGE_SELF), getrusage(RUSAGE_CHILDREN))
    )
    return {
        "mode": mode,
        "size": size,
        "ok": ok,
        "seconds": time.perf_counter() - began,
        "cpu": cpu,
        "rss_self": peak_rss_mib(),
        "rss_children": peak_rss_mib(children=True),
    }


def verify(path: Path, mode: str) -> dict:
    """One verification in a fresh interpreter, with the machine's busy share meanwhile."""
    before = cpu_ticks()
    run = subprocess.run(
        [sys.executable, "-m", "bench.verify_log", "--verify-file", str(path), "--mode", mode],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=3600,
        check=True,
    )
    after = cpu_ticks()
    result = json.loads(run.stdout.strip().splitlines()[-1])
    result["machine_busy"] = (after[0] - before[0]) / max(1, after[1] - before[1])
    return result


# --- raw Ed25519 ---------------------------------------------------------------------------------


def _verify_loop(seconds: float) -> tuple[int, float]:
    """Verify pre-made (key, signature, message) triples for ``seconds``: (count, elapsed)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    triples = []
    for n in range(64):
        private = Ed25519PrivateKey.generate()
        message = os.urandom(400 + n)  # about the size of an entry's signed bytes
        triples.append((private.public_key(), private.sign(message), message))
    count, began = 0, time.perf_counter()
    while time.perf_counter() - began < seconds:
        for public, signature, message in triples:
            public.verify(signature, message)
        count += len(triples)
    return count, time.perf_counter() - began


def raw_ed25519(seconds: float) -> tuple[float, float]:
    """Ed25519 verifications/s on one core, and on every core (one process each)."""
    count, elapsed = _verify_loop(seconds)
    cores = os.cpu_count() or 1
    with get_context("fork").Pool(cores) as pool:
        results = pool.map(_verify_loop, [seconds] * cores)
    return count / elapsed, sum(c / e for c, e in results)


def main(argv: list[str] | None = None) -> int:
    parser = bench_parser(__doc__, "10,000 and 50,000 records")
    parser.add_argument("--sizes", default="100000,1000000", help="log sizes, comma separated")
    parser.add_argument("--parties", type=int, default=300)
    parser.add_argument("--verify-file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--mode", choices=("parse", "single", "parallel"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.verify_file:
        print(json.dumps(verify_here(args.verify_file, args.mode)))
        return 0
    if args.quick:
        args.sizes = "10000,50000"
    sizes = [int(s) for s in args.sizes.split(",")]

    announce("verify_log", args)
    one, every = raw_ed25519(1.0 if args.quick else 3.0)
    print(f"raw Ed25519 verify: {one:,.0f}/s on 1 core, {every:,.0f}/s on all cores", flush=True)
    rows = []
    with scratch_dir("bench-verify-") as workdir:
        for size in sizes:
            path = workdir / f"log-{size}.jsonl"
            seconds, rss = generate(path, size, args.parties)
            megabytes = path.stat().st_size / 2**20
            print(
                f"generated {size:,} records ({megabytes:,.0f} MiB) in {seconds:.1f} s "
                f"({size / seconds:,.0f}/s), generator peak RSS {rss:,.0f} MiB",
                flush=True,
            )
            for mode in ("parse", "single", "parallel"):
                result = verify(path, mode)
                if not result["ok"] or result["size"] != size:
                    raise SystemExit(f"verification failed: {result}")
                rows.append((size, result))
                print(
                    f"  {mode:8} {size / result['seconds']:>9,.0f} records/s "
                    f"({result['seconds']:.1f} s), peak RSS {result['rss_self']:.0f} MiB "
                    f"+ workers {result['rss_children']:.0f} MiB; "
                    f"CPU {result['cpu'] / size * 1e6:.0f} µs/record; "
                    f"machine busy {result['machine_busy']:.0%}",
                    flush=True,
                )
            path.unlink()

    print()
    print(
        "| records | verifier | records/s | seconds | peak RSS MiB (process / max worker) |"
        " CPU µs/record | machine busy |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|")
    names = {"parse": "read + parse only", "single": "audit, 1 process",
             "parallel": f"parallel_audit, {os.cpu_count()} processes"}  # fmt: skip
    for size, r in rows:
        rss = f"{r['rss_self']:.0f}" + (f" / {r['rss_children']:.0f}" if r["rss_children"] else "")
        print(
            f"| {size:,} | {names[r['mode']]} | {size / r['seconds']:,.0f} | "
            f"{r['seconds']:.1f} | {rss} | {r['cpu'] / size * 1e6:.0f} | "
            f"{r['machine_busy']:.0%} |"
        )
    print(f"| | raw Ed25519 verify, 1 core | {one:,.0f} | | | | |")
    print(f"| | raw Ed25519 verify, {os.cpu_count()} cores | {every:,.0f} | | | | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
