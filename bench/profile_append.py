"""Where an append's time goes under load: batch sizes, and py-spy on the gunicorn worker.

gunicorn ``1xT`` (one worker, so one process holds every request thread) serves the 16
clients of ``bench.append_throughput`` posting pre-signed ``key.added`` entries, while
``py-spy record --idle`` samples every thread of the worker. Printed:

* the batches: records admitted in one transaction share its ``received_at``, so the stored
  log tells how many batches there were and how large;
* where request threads were: HTTP and Flask around the append, preparing the entry outside
  the lock (envelope, canonical bytes, signature), or waiting for their batch;
* for the writer thread, each phase of its batches and whether it waited on the database or
  ran Python.

Run: ``.venv/bin/python -m bench.profile_append [--backend postgresql] [--seconds 6]``;
``--quick`` samples for 3 s. Needs ``py-spy`` (tests/requirements.txt) and ptrace rights (root).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import threading
import time
from collections import Counter

from sqlalchemy import func, select

from app.db.tables import records
from bench._common import ROOT, announce, bench_parser, migrated_engine, scratch_dir
from bench.append_throughput import CLIENTS, fresh_database, gunicorn, load, presign

# Phases of a batch (``Appender._admit``), by the first matching frame, innermost first.
BATCH_PHASES = (
    ("lock the head", "lock_head (app/db/log.py"),
    ("sync the cache", "StateCache.sync (app/db/state_cache.py"),
    ("look up nonces", "find_by_nonces (app/db/log.py"),
    ("rules (apply_entry)", "Appender._admit_one (app/appender.py"),
    ("write records and nodes", "write_batch (app/db/log.py"),
    ("write projections", "SqlStore.put_many (app/db/store.py"),
    ("move the head", "set_head (app/db/log.py"),
    ("begin, commit", "writing (app/db/uow.py"),
)
DB_WAIT = ("Connection.wait (psycopg", "Connection.execute (sqlite3", "commit (sqlite3")


def _first(frames: list[str], prefix: str) -> bool:
    return any(frame.startswith(prefix) for frame in frames)


def sample(backend: str, threads: int, seconds: float, workdir):
    """py-spy samples of the only worker while 16 clients append: (counts, result, batches)."""
    bodies = presign(int(900 * (seconds + 3) / 16) + 50)
    output = workdir / "py-spy.txt"
    with (
        fresh_database(backend, workdir, "profile") as url,
        gunicorn(url, 1, threads, workdir) as port,
    ):
        master = subprocess.run(
            ["pgrep", "-f", f"127.0.0.1:{port}"], capture_output=True, text=True, check=True
        ).stdout.split()[0]
        worker = subprocess.run(
            ["pgrep", "-P", master], capture_output=True, text=True, check=True
        ).stdout.split()[0]
        box = {}
        runner = threading.Thread(
            target=lambda: box.setdefault(
                "result",
                load("append", port, "POST", "/api/v1/entries", bodies, 1.0, seconds + 2, 201),
            )
        )
        runner.start()
        time.sleep(1.5)
        subprocess.run(
            [str(ROOT / ".venv/bin/py-spy"), "record", "-p", worker, "-d", str(int(seconds)),
             "-r", "200", "--idle", "-f", "raw", "-o", str(output)],
            capture_output=True, check=True, timeout=seconds + 60,
        )  # fmt: skip
        runner.join(timeout=seconds + 120)
        with migrated_engine(url) as engine, engine.connect() as connection:
            batches = connection.execute(
                select(func.count())
                .where(records.c.seq > CLIENTS + 1)  # after the genesis and registrations
                .group_by(records.c.received_at)
            ).scalars()
            sizes = sorted(batches)
    counts: Counter = Counter()
    for line in output.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        counts[stack] += int(count)
    return counts, box.get("result"), sizes


def summarise(counts: Counter) -> None:
    where, writer = Counter(), Counter()
    for stack, count in counts.items():
        frames = stack.split(";")
        if _first(frames, "Appender._admit (app/appender.py"):
            phase = next((p for p, prefix in BATCH_PHASES if _first(frames, prefix)), "other")
            waiting = any(frames[-1].startswith(w) for w in DB_WAIT)
            writer[(phase, "database" if waiting else "Python")] += count
            continue
        if not _first(frames, "ThreadWorker.handle (gunicorn"):
            continue  # the worker's own loop or an idle writer, not a request
        if _first(frames, "Writer.submit (app/writer.py"):
            where["waiting for its batch"] += count
        elif _first(frames, "Appender.append (app/appender.py"):
            where["preparing (outside the lock)"] += count
        elif frames[-1].startswith(("ThreadWorker.handle", "_worker")):
            where["idle"] += count
        else:
            where["HTTP, Flask, marshmallow"] += count
    total = sum(where.values()) or 1
    print("| request threads | share of samples |")
    print("|---|---:|")
    for label, count in where.most_common():
        print(f"| {label} | {count / total:.0%} |")
    rest = sum(writer.values()) or 1
    print()
    print("| the writer's batch | waiting on the database | running Python |")
    print("|---|---:|---:|")
    for label, _ in (*BATCH_PHASES, ("other", "")):
        db, py = writer[(label, "database")] / rest, writer[(label, "Python")] / rest
        if db or py:
            print(f"| {label} | {db:.0%} | {py:.0%} |")


def main(argv: list[str] | None = None) -> int:
    parser = bench_parser(__doc__, "sample for 3 s")
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--threads", type=int, default=16, help="gthread threads, 1 worker")
    parser.add_argument("--seconds", type=float, default=6.0)
    args = parser.parse_args(argv)
    seconds = 3.0 if args.quick else args.seconds
    announce(f"profile_append, {args.backend}", args)
    with scratch_dir("bench-profile-") as workdir:
        counts, result, sizes = sample(args.backend, args.threads, seconds, workdir)
    if result is not None:
        print(
            f"under load (1x{args.threads}, sampled): {result.rate:,.0f} appends/s, "
            f"p50 {result.p(50):.1f} ms, p99 {result.p(99):.1f} ms"
        )
    print(
        f"batches: {len(sizes):,}, mean {statistics.mean(sizes):.1f} appends, "
        f"median {statistics.median(sizes):.0f}, largest {sizes[-1]}"
    )
    summarise(counts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
