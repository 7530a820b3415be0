"""Append throughput over real HTTP, against the ceilings of the same machine.

What is measured, for each gunicorn config ``WxT`` (``-w W -k gthread --threads T``):

* **append**: 16 client threads (one keep-alive ``http.client`` connection each, spread
  evenly over the workers, see ``connect_evenly``) POST
  pre-signed ``key.added`` entries (each client is a registered party adding keys to itself)
  to ``/api/v1/entries`` for a fixed duration, after a warm-up; appends/s counts 201 responses
  completed inside the timed window, latency is client-side (send to full response read).
  PostgreSQL and SQLite, each on a fresh migrated database whose genesis and 16 party
  registrations were appended in-process through ``app.appender`` first.
* **healthz**: the same server config and client serving ``GET /api/v1/healthz`` (no database).

Entries are signed before the timed phase (in a process pool), with deterministic party keys,
so one pool of signed entries is valid on every fresh database and client-side signing costs
nothing while timing. The client runs on the same 2 cores as the server; its CPU use per
request is printed so its share is visible.

Raw database ceilings, measured in the same run:

* PostgreSQL: ``pgbench`` with a custom script of one ``INSERT`` (600-byte text row) per
  transaction, 16 clients (the ask) and 1 client (a serial writer, like the head lock), on a
  scratch database.
* SQLite: a Python loop of ``BEGIN IMMEDIATE; INSERT; COMMIT`` (WAL, synchronous=FULL, like the
  app) on a scratch file.

Every phase runs ``--rounds`` times (default 3), interleaved (healthz, then each backend's
appends, then the next round), so a ratio is always taken against the trivial endpoint of the
same minute; its spread over the rounds is printed. ``--log-size N`` first grows each append
database to N records with the provenance bench's filler entries (signed ``key.added``, stored
as a batch is), to show the cost at 10,000 and at 1,000,000 records.

Run: ``.venv/bin/python -m bench.append_throughput [--configs 1x16,2x8,4x4] [--duration 10]
[--rounds 3] [--log-size 1000000]``; ``--quick`` runs one config for a few seconds.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from app.appender import Appender
from app.db import log
from app.db.uow import reading
from bench._common import (
    ROOT,
    announce,
    bench_parser,
    cpu_ticks,
    make_world,
    migrated_engine,
    percentile,
    scratch_dir,
    scratch_postgres,
    world_signers,
)
from ledger.keys import PrivateKey
from ledger.timefmt import now

CLIENTS = 16
HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}
PAYLOAD_BYTES = 600  # about the size of a stored key.added record row (also in INSERT_SQL)
STARTUP_TIMEOUT = 60.0
INSERT_SQL = "INSERT INTO bench_insert (payload) VALUES (repeat('x', 600));\n"


@dataclass
class Result:
    """A load phase: successes in the timed window, its length, latencies (s), errors."""

    label: str
    count: int
    seconds: float
    latencies: list[float]
    errors: int = 0
    client_cpu: float = 0.0  # CPU seconds the load generator used in the window
    server_cpu: float = 0.0  # CPU seconds gunicorn (master and workers) used in the window
    database_cpu: float = 0.0  # CPU seconds PostgreSQL's processes used in the window
    machine_busy: float = float("nan")  # share of all cores busy in the window (0..1)
    note: str = ""

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def p(self, q: float) -> float:
        return percentile(self.latencies, q) * 1000


# --- pre-signing -------------------------------------------------------------------------------


def _sign_batch(job: tuple[int, int, str]) -> list[bytes]:
    client, count, created_at = job
    signer = world_signers(CLIENTS).parties[client]
    return [
        json.dumps(
            signer.entry(
                "key.added",
                {"party_id": signer.party_id, "public_key": PrivateKey.generate().public.b64},
                created_at=created_at,
            )
        ).encode()
        for _ in range(count)
    ]


def presign(per_client: int) -> list[list[bytes]]:
    """``per_client`` signed ``key.added`` bodies for each of the 16 parties (both cores)."""
    created_at = now()
    with get_context("fork").Pool(os.cpu_count()) as pool:
        return pool.map(_sign_batch, [(c, per_client, created_at) for c in range(CLIENTS)])


# --- the server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(database_url: str, workers: int, threads: int, workdir: Path) -> Iterator[int]:
    """Run ``gunicorn wsgi:app`` on a free port until the block ends; yields the port."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "LEDGER_OPERATOR_KEY_FILE": str(workdir / "operator.pem"),
    }
    command = [
        str(ROOT / ".venv/bin/gunicorn"),
        *("-w", str(workers), "-k", "gthread", "--threads", str(threads)),
        *("-b", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"),
    ]
    with open(workdir / f"gunicorn-{port}.log", "wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited: {(workdir / f'gunicorn-{port}.log').read_text()}"
                )
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/api/v1/healthz")
                if connection.getresponse().status == 200:
                    connection.close()
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer in time")
            time.sleep(0.1)
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


# --- the load generator ------------------------------------------------------------------------


def _tcp(port: int, state: str) -> dict[str, int]:
    """Socket inodes of local ``port`` in TCP ``state`` (hex), with each one's remote port."""
    found = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == state:
                found[fields[9]] = int(fields[2].rsplit(":", 1)[1], 16)
    return found


def _sockets(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").glob("*"):
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def process_cpu(pids: list[int]) -> float:
    """CPU seconds (user + system) the processes have used so far (those still running)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def postgres_processes() -> list[int]:
    """Every PostgreSQL server process on the machine."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if (proc / "comm").read_text().strip() == "postgres":
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def _masters(port: int) -> list[int]:
    """The parent (gunicorn master) of the workers serving ``port``."""
    parents = set()
    for pid in workers_of(port):
        try:
            parents.add(int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]))
        except OSError:
            continue
    return sorted(parents)


def workers_of(port: int) -> list[int]:
    """The gunicorn workers serving ``port``: processes holding its listening socket whose
    parent holds it too (the parent being the master)."""
    listening = set(_tcp(port, "0A"))
    holders = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if _sockets(int(proc.name)) & listening:
                parent = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
                holders.append((int(proc.name), parent))
        except (OSError, ValueError):
            continue
    pids = {pid for pid, _ in holders}
    return sorted(pid for pid, parent in holders if parent in pids)


def connect_evenly(
    port: int, count: int, timeout: float = 30.0
) -> list[http.client.HTTPConnection]:
    """``count`` keep-alive connections spread evenly over the workers.

    Which worker accepts a connection is up to the workers' race for it, and a keep-alive
    connection stays with its worker: left alone, one worker may serve most clients and the
    figures measure the race. A connection landing on a worker that has its share is
    replaced (until ``timeout``; then the spread is taken as it is). Returns the connections
    and how many each worker holds.
    """
    workers = workers_of(port)
    share = -(-count // max(1, len(workers)))
    held: dict[int, int] = dict.fromkeys(workers, 0)
    connections = []
    deadline = time.monotonic() + timeout
    while len(connections) < count:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.request("GET", "/api/v1/healthz")
        connection.getresponse().read()  # accepted and answered: a worker holds it now
        client_port = connection.sock.getsockname()[1]
        server_ends = {inode for inode, remote in _tcp(port, "01").items() if remote == client_port}
        owner = next((pid for pid in workers if _sockets(pid) & server_ends), None)
        if owner is not None and held[owner] >= share and time.monotonic() < deadline:
            connection.close()
            continue
        if owner is not None:
            held[owner] += 1
        connections.append(connection)
    return connections, sorted(held.values(), reverse=True)


def load(
    label: str,
    port: int,
    method: str,
    path: str,
    bodies: list[list[bytes]] | None,
    warmup: float,
    duration: float,
    expect: int,
) -> Result:
    """16 threads, one keep-alive connection each, as fast as answers come back."""
    barrier = threading.Barrier(CLIENTS + 1, timeout=60)
    per_thread: list[list[tuple[float, float, int]]] = [[] for _ in range(CLIENTS)]
    first_error: list[str] = []
    clock: dict[str, float] = {}

    connections, spread = connect_evenly(port, CLIENTS)

    def client(index: int) -> None:
        connection = connections[index]
        own = iter(bodies[index]) if bodies is not None else None
        out = per_thread[index]
        barrier.wait()
        end = clock["end"]
        try:
            while True:
                body = next(own, None) if own is not None else None
                if own is not None and body is None:
                    break  # ran out of pre-signed entries (reported as a note)
                started = time.perf_counter()
                if started >= end:
                    break
                connection.request(method, path, body=body, headers=HEADERS)
                response = connection.getresponse()
                data = response.read()
                out.append((started, time.perf_counter(), response.status))
                if response.status != expect and not first_error:
                    first_error.append(f"{response.status} {data[:300]!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    start = time.perf_counter()
    clock.update(start=start + warmup, end=start + warmup + duration)
    for thread in threads:
        thread.start()
    barrier.wait()
    time.sleep(max(0.0, clock["start"] - time.perf_counter()))
    servers = [*workers_of(port), *_masters(port)]
    cpu0, ticks0 = time.process_time(), cpu_ticks()
    server0, database0 = process_cpu(servers), process_cpu(postgres_processes())
    time.sleep(max(0.0, clock["end"] - time.perf_counter()))
    cpu1, ticks1 = time.process_time(), cpu_ticks()
    server1, database1 = process_cpu(servers), process_cpu(postgres_processes())
    for thread in threads:
        thread.join(timeout=120)
    window = [
        (s, e, status)
        for out in per_thread
        for s, e, status in out
        if clock["start"] <= e < clock["end"]
    ]
    ok = sorted(e - s for s, e, status in window if status == expect)
    exhausted = bodies is not None and any(
        len(o) == len(b) for o, b in zip(per_thread, bodies, strict=True)
    )
    busy = (ticks1[0] - ticks0[0]) / max(1, ticks1[1] - ticks0[1])
    return Result(
        label,
        len(ok),
        duration,
        ok,
        errors=len(window) - len(ok),
        client_cpu=cpu1 - cpu0,
        server_cpu=server1 - server0,
        database_cpu=database1 - database0,
        machine_busy=busy,
        note="; ".join(
            [
                f"connections per worker {'/'.join(map(str, spread))}",
                *first_error,
                *(["ran out of signed entries"] if exhausted else []),
            ]
        ),
    )


# --- raw database ceilings ---------------------------------------------------------------------


def pgbench_inserts(clients: int, duration: float, workdir: Path) -> Result:
    """pgbench, one INSERT per transaction, ``clients`` connections, on a scratch database."""
    with scratch_postgres("bench_pgbench") as url:
        parsed = make_url(url)
        conninfo = ["-h", parsed.host or "127.0.0.1", "-p", str(parsed.port or 5432)]
        conninfo += ["-U", parsed.username or "postgres", parsed.database]
        subprocess.run(
            ["psql", "-q", "-c",
             "CREATE TABLE bench_insert (id bigserial PRIMARY KEY, payload text NOT NULL)",
             *conninfo],
            check=True, timeout=60,
        )  # fmt: skip
        script = workdir / "insert.sql"
        script.write_text(INSERT_SQL)
        logs = workdir / f"pgbench-{clients}"
        logs.mkdir()
        run = subprocess.run(
            ["pgbench", "-n", "-M", "prepared", "-f", str(script),
             "-c", str(clients), "-j", str(min(clients, os.cpu_count() or 1)),
             "-T", str(max(1, round(duration))), "--log", f"--log-prefix={logs}/tx",
             *conninfo],
            capture_output=True, text=True, check=True, timeout=duration + 120,
        )  # fmt: skip
    tps = float(re.search(r"tps = ([\d.]+)", run.stdout).group(1))
    latencies = sorted(
        int(line.split()[2]) / 1e6
        for log in logs.iterdir()
        for line in log.read_text().splitlines()
        if line
    )
    seconds = len(latencies) / tps
    return Result(f"pgbench INSERT, {clients} clients", len(latencies), seconds, latencies)


def sqlite_inserts(duration: float, workdir: Path) -> Result:
    """One writer: BEGIN IMMEDIATE; INSERT; COMMIT in a loop (WAL, synchronous=FULL)."""
    connection = sqlite3.connect(workdir / "raw.db", isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)")
        payload = "x" * PAYLOAD_BYTES
        latencies = []
        start = time.perf_counter()
        end = start + duration
        while (began := time.perf_counter()) < end:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("INSERT INTO t (payload) VALUES (?)", (payload,))
            connection.execute("COMMIT")
            latencies.append(time.perf_counter() - began)
        seconds = time.perf_counter() - start
    finally:
        connection.close()
    return Result("SQLite INSERT+COMMIT, 1 writer", len(latencies), seconds, sorted(latencies))


# --- the run -----------------------------------------------------------------------------------


class _Registrar:
    """What ``Filler`` needs to register its parties: ARM stating entries, appended."""

    def __init__(self, engine: Engine):
        self.appender, self.signers = Appender(engine), {}
        self.arm = world_signers(0).arm

    def state(self, party: str, type: str, body: dict) -> None:
        assert party == "arm"
        self.appender.append(self.arm.entry(type, body), skew=300, max_age=86400)


@contextmanager
def fresh_database(backend: str, workdir: Path, tag: str, log_size: int = 0) -> Iterator[str]:
    """A migrated database with the bench world in it, its log grown with filler records to
    ``log_size`` records if larger; yields its URL."""
    if backend == "postgresql":
        with scratch_postgres("bench_append") as url:
            _populate(url, log_size)
            yield url
    else:
        path = workdir / f"ledger-{tag}.db"
        url = f"sqlite:///{path}"
        _populate(url, log_size)
        try:
            yield url
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)


def _populate(url: str, log_size: int) -> None:
    from bench.provenance import Filler  # the provenance bench's filler records

    with migrated_engine(url) as engine:
        make_world(engine, CLIENTS)
        if log_size <= 0:
            return
        began = time.perf_counter()
        filler = Filler(engine, _Registrar(engine))
        try:
            with reading(engine) as connection:
                size, _ = log.head(connection)
            filler.grow(max(0, log_size - size))
        finally:
            filler.close()
        print(f"grew the log to {log_size:,} records in {time.perf_counter() - began:.0f} s")


def _per_request(result: Result, seconds: float) -> str:
    return f"{seconds / result.count * 1e6:,.0f}" if result.count and seconds else ""


def row(result: Result, *ratios: float) -> str:
    cells = [
        result.label,
        f"{result.rate:,.0f}",
        f"{result.p(50):.2f}",
        f"{result.p(99):.2f}",
        f"{result.errors}",
        _per_request(result, result.server_cpu),
        _per_request(result, result.database_cpu),
        _per_request(result, result.client_cpu),
        f"{result.machine_busy * 100:.0f}%" if result.machine_busy == result.machine_busy else "",
        *(f"{r:.2f}" for r in ratios),
    ]
    return "| " + " | ".join(cells) + " |"


def main(argv: list[str] | None = None) -> int:
    parser = bench_parser(__doc__, "one config, 4 s phases")
    parser.add_argument("--configs", default="1x16,2x8,4x4", help="gunicorn WORKERSxTHREADS list")
    parser.add_argument("--duration", type=float, default=10.0, help="timed seconds per phase")
    parser.add_argument("--warmup", type=float, default=2.0, help="untimed seconds per phase")
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of all phases")
    parser.add_argument(
        "--log-size", type=int, default=0, help="grow each log to this many records first"
    )
    parser.add_argument(
        "--max-rate", type=float, default=1200.0, help="appends/s to pre-sign entries for"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.configs, args.duration, args.warmup = "2x8", 4.0, 1.0
    configs = [tuple(int(x) for x in c.split("x")) for c in args.configs.split(",")]
    backends = args.backends.split(",")

    announce(f"append throughput, {CLIENTS} clients", args)
    per_client = int(args.max_rate * (args.duration + args.warmup) / CLIENTS) + 50
    began = time.perf_counter()
    bodies = presign(per_client * args.rounds * len(configs) * len(backends))
    print(
        f"pre-signed {per_client * CLIENTS:,} entries in {time.perf_counter() - began:.1f} s",
        flush=True,
    )

    results: dict[tuple[str, tuple[int, int], int], Result] = {}
    with ExitStack() as stack:
        workdir = stack.enter_context(scratch_dir("bench-append-"))
        ceilings = {
            "postgresql": pgbench_inserts(CLIENTS, args.duration, workdir),
            "sqlite": sqlite_inserts(args.duration, workdir),
        }
        serial_pg = pgbench_inserts(1, args.duration, workdir)
        # One database per backend for every round, grown to --log-size first.
        urls = {"healthz": stack.enter_context(fresh_database("sqlite", workdir, "healthz"))}
        for backend in backends:
            urls[backend] = stack.enter_context(
                fresh_database(backend, workdir, f"append-{backend}", args.log_size)
            )
        phase = 0
        for round_ in range(args.rounds):
            for config in configs:
                name = f"{config[0]}x{config[1]}"
                phases = [("healthz", "sqlite", "GET", "/api/v1/healthz", False, 200)]
                phases += [(b, b, "POST", "/api/v1/entries", True, 201) for b in backends]
                for key, backend, method, path, posts, expect in phases:
                    payloads = None
                    if posts:
                        window = slice(phase * per_client, (phase + 1) * per_client)
                        payloads = [own[window] for own in bodies]
                        phase += 1
                    with gunicorn(urls[key], *config, workdir) as port:
                        label = "healthz" if key == "healthz" else f"append {backend}"
                        result = load(
                            f"{label} {name}",
                            port,
                            method,
                            path,
                            payloads,
                            args.warmup,
                            args.duration,
                            expect,
                        )
                    results[(key, config, round_)] = result
                    print(
                        f"round {round_ + 1} {result.label}: {result.rate:,.0f}/s "
                        f"p50 {result.p(50):.2f} ms p99 {result.p(99):.2f} ms "
                        f"errors {result.errors} {result.note}",
                        flush=True,
                    )

    print()
    print(
        "| phase | req/s | p50 ms | p99 ms | errors | CPU µs/req: gunicorn | PostgreSQL |"
        " load generator | machine busy | / healthz | / raw insert |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for ceiling in (ceilings["postgresql"], serial_pg, ceilings["sqlite"]):
        print(row(ceiling))
    for round_ in range(args.rounds):
        for config in configs:
            health = results[("healthz", config, round_)]
            print(row(health))
            for backend in backends:
                result = results[(backend, config, round_)]
                print(row(result, result.rate / health.rate, result.rate / ceilings[backend].rate))
    print()
    for backend in backends:
        for config in configs:
            ratios = sorted(
                results[(backend, config, r)].rate / results[("healthz", config, r)].rate
                for r in range(args.rounds)
            )
            print(
                f"{backend} {config[0]}x{config[1]}: appends / healthz over {args.rounds} "
                f"interleaved rounds: {ratios[0]:.1%} to {ratios[-1]:.1%}, "
                f"median {statistics.median(ratios):.1%}"
            )
    for backend in backends:
        best_key = max(
            ((c, r) for c in configs for r in range(args.rounds)),
            key=lambda cr: results[(backend, *cr)].rate,
        )
        best = best_key[0]
        result = results[(backend, *best_key)]
        health = max(
            (results[("healthz", c, r)] for c in configs for r in range(args.rounds)),
            key=lambda h: h.rate,
        )
        print(
            f"best {backend}: {best[0]}x{best[1]} {result.rate:,.0f} appends/s "
            f"(p50 {result.p(50):.2f} ms, p99 {result.p(99):.2f} ms) = "
            f"{result.rate / health.rate:.1%} of healthz {health.rate:,.0f}/s, "
            f"{result.rate / ceilings[backend].rate:.1%} of raw inserts "
            f"{ceilings[backend].rate:,.0f}/s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
