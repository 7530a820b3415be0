"""Appends under faults: gunicorn workers killed with SIGKILL and PostgreSQL restarted mid-load.

Setup: a throwaway PostgreSQL cluster (``bench.reliability_common``), a migrated ledger with a
genesis and one registered supplier per client, and ``gunicorn wsgi:app`` (``-w W -k gthread``).

Load: each client thread is one party. It signs its next entry (register a lot, assay its own
lot against the head it last saw, or add a key: a mix of independent and chained entries) and
POSTs it until the service acknowledges it (201, or 200 for a resend it had already appended).
A connection error or a 5xx is retried with the very same bytes (same nonce), with backoff; any
other answer is an anomaly. Faults during the load: ``--kills`` SIGKILLs of a random worker
(gunicorn starts a new one) and one restart of PostgreSQL (``--pg-restart immediate`` is a crash
followed by WAL recovery; ``fast`` a clean stop).

Afterwards, with the server stopped: a checkpoint is signed, ``flask ledger verify --replay``
must pass, every acknowledged entry must be in the log exactly once with the seq and hash it was
acknowledged with, the Merkle nodes must be exactly those the records imply, and ``flask ledger
rebuild`` must report identical projections. Exit status 1 if anything fails.

Run: ``.venv/bin/python -m bench.reliability_faults [--clients 8 --duration 30 --workers 3]``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select

from app import checkpoints
from app.db import log
from app.db.engine import make_engine
from app.db.tables import records
from app.db.uow import reading
from bench._common import make_world, migrated_engine, scratch_dir
from bench.append_throughput import gunicorn
from bench.reliability_common import (
    connections_served,
    gunicorn_processes,
    ledger_cli,
    merkle_nodes_match,
    report,
    throwaway_cluster,
)
from ledger.client import Signer
from ledger.keys import PrivateKey
from ledger.timefmt import now

HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}
GIVE_UP_SECONDS = 120.0  # per entry: retries stop after this long without an answer
PROCESS = {"mercury": False, "cyanide": False, "gravimetric_only": True}


@dataclass
class Sent:
    """One entry a client tried to append, and how it ended."""

    entry: dict
    attempts: int = 0
    status: int | None = None  # the final answer (None: gave up)
    answer: dict | None = None


@dataclass
class Client:
    """A party appending its own entries over one keep-alive connection, retrying faults."""

    signer: Signer
    port: int
    index: int
    sent: list[Sent] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)  # what the client saw, by kind
    lots: int = 0
    head: tuple[str, str] | None = None  # (lot_id, head) of the client's latest lot

    def next_entry(self) -> dict:
        number = len(self.sent)
        if self.head is None or number % 5 == 0:
            self.lots += 1
            lot_id = f"R{self.index:03d}-{self.lots:05d}"
            body = {
                "lot_id": lot_id,
                "metal": "gold",
                "form": "dore",
                "gross_mg": 1_000_000 + number,
                "fineness": 8_800,
                "claim": "none",
                "mine_site": "Vereda El Tambo",
                "production_from": "2026-01-01",
                "production_to": now()[:10],
                "processing": PROCESS,
            }
            return self.signer.entry("lot.registered", body)
        if number % 5 == 4:
            body = {
                "party_id": self.signer.party_id,
                "public_key": PrivateKey.generate().public.b64,
            }
            return self.signer.entry("key.added", body)
        lot_id, head = self.head
        body = {
            "lot_id": lot_id,
            "lot_head": head,
            "fineness": 8_790 + number % 20,
            "kind": "provisional",
            "laboratory": "Laboratorio Andino",
        }
        return self.signer.entry("lot.assayed", body)

    def run(self, stop: threading.Event) -> None:
        connection = None
        while not stop.is_set():
            sent = Sent(self.next_entry())
            self.sent.append(sent)
            body = json.dumps(sent.entry).encode()
            give_up, backoff = time.monotonic() + GIVE_UP_SECONDS, 0.05
            while time.monotonic() < give_up:
                sent.attempts += 1
                try:
                    connection = connection or http.client.HTTPConnection(
                        "127.0.0.1", self.port, timeout=30
                    )
                    connection.request("POST", "/api/v1/entries", body=body, headers=HEADERS)
                    response = connection.getresponse()
                    answer = json.loads(response.read() or b"null")
                except (OSError, http.client.HTTPException, ValueError) as exc:
                    self.errors[type(exc).__name__] += 1
                    connection.close()
                    connection = None
                else:
                    if response.status < 500:
                        sent.status, sent.answer = response.status, answer
                        break
                    self.errors[f"HTTP {response.status} {answer.get('code')}"] += 1
                time.sleep(backoff)
                backoff = min(1.0, backoff * 2)
            if sent.status not in (200, 201):  # refused, or given up: start a new lot
                self.head = None
            elif sent.entry["type"] != "key.added":
                self.head = (sent.entry["body"]["lot_id"], sent.answer["entry_hash"])
        if connection is not None:
            connection.close()


def faults(cluster, port: int, duration: float, kills: int, mode: str, stop, out: list):
    """Kill ``kills`` random workers (among those serving clients) and restart PostgreSQL
    once, spread over the load."""
    moments = [duration * (n + 1) / (kills + 2) for n in range(kills + 1)]
    restart_at = random.randrange(min(1, kills), kills + 1)  # not first: let the load warm up
    began = time.monotonic()
    for number, moment in enumerate(moments):
        if stop.wait(max(0.0, began + moment - time.monotonic())):
            return
        if number == restart_at:
            seconds = cluster.restart(mode)
            out.append(f"{time.monotonic() - began:5.1f} s: PostgreSQL {mode} restart, "
                       f"down {seconds:.2f} s")  # fmt: skip
            continue
        _, workers = gunicorn_processes()
        serving = {pid: connections_served(pid, port) for pid in workers}
        victim = random.choice([pid for pid in workers if serving[pid]] or workers)
        os.kill(victim, signal.SIGKILL)
        out.append(f"{time.monotonic() - began:5.1f} s: SIGKILL worker {victim} serving "
                   f"{serving[victim]} client connections (of {len(workers)} workers)")  # fmt: skip


def _stored_as_acknowledged(sent: Sent, stored: dict) -> bool:
    record = stored.get((sent.entry["actor"], sent.entry["nonce"]))
    return record is not None and all(
        sent.answer[key] == value for key, value in record.to_json().items()
    )


def check_log(url: str, clients: list[Client], base: int) -> tuple[list[str], list[str]]:
    """Every acknowledged entry is in the log exactly once, as acknowledged; returns
    (findings, failures)."""
    findings, failures = [], []
    engine = make_engine(url)
    try:
        with reading(engine) as connection:
            size, _ = log.head(connection)
            stored = {(r.entry["actor"], r.entry["nonce"]): r for r in log.stream(connection)}
            per_nonce = connection.execute(
                select(func.count()).select_from(records).group_by(records.c.actor, records.c.nonce)
            ).scalars()
            duplicated = sum(1 for count in per_nonce if count > 1)
    finally:
        engine.dispose()
    sent = [s for c in clients for s in c.sent]
    acknowledged = [s for s in sent if s.status in (200, 201)]
    lost = [s for s in acknowledged if not _stored_as_acknowledged(s, stored)]
    unanswered = [s for s in sent if s.status is None]
    unanswered_in_log = sum((s.entry["actor"], s.entry["nonce"]) in stored for s in unanswered)
    retried = [s for s in acknowledged if s.attempts > 1]
    findings.append(
        f"log size {size} = {base} setup records + {size - base} appended under load; "
        f"{len(acknowledged)} acknowledged ({sum(s.status == 201 for s in acknowledged)} x 201, "
        f"{sum(s.status == 200 for s in acknowledged)} x 200), {len(unanswered)} never answered "
        f"({unanswered_in_log} of them in the log)"
    )
    findings.append(
        f"{len(retried)} acknowledged entries needed retries ({sum(s.attempts for s in retried)} "
        f"attempts): {sum(s.status == 201 for s in retried)} appended by the retry (201), "
        f"{sum(s.status == 200 for s in retried)} already appended by a lost attempt (200)"
    )
    if lost:
        failures.append(f"{len(lost)} acknowledged entries missing or different in the log")
    if duplicated:
        failures.append(f"{duplicated} (actor, nonce) pairs appear more than once")
    if size - base != len(acknowledged) + unanswered_in_log:
        failures.append(
            f"{size - base} records appended under load, but {len(acknowledged)} acknowledged "
            f"and {unanswered_in_log} unanswered ones found"
        )
    refused = sum(s.status not in (None, 200, 201) for s in sent)
    if refused:
        failures.append(f"{refused} entries refused (a retry must never be refused)")
    return findings, failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (2-4)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument("--kills", type=int, default=4, help="workers to SIGKILL")
    parser.add_argument("--pg-restart", choices=("immediate", "fast"), default="immediate")
    parser.add_argument("--port", type=int, default=55432, help="the throwaway cluster's port")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    random.seed(args.seed)
    print(
        f"# reliability under faults: {args.clients} clients, {args.duration:.0f} s, gunicorn "
        f"{args.workers}x{args.threads}, {args.kills} worker kills, 1 PostgreSQL "
        f"{args.pg_restart} restart",
        flush=True,
    )
    failures: list[str] = []
    with scratch_dir("reliability-faults-") as workdir, throwaway_cluster(args.port) as cluster:
        url = cluster.create_database("ledger")
        with migrated_engine(url) as engine:
            world = make_world(engine, args.clients)
            with reading(engine) as connection:
                base, _ = log.head(connection)
        clients: list[Client] = []
        events: list[str] = []
        with gunicorn(url, args.workers, args.threads, workdir) as port:
            clients = [Client(s, port, n) for n, s in enumerate(world.parties)]
            stop = threading.Event()
            threads = [threading.Thread(target=c.run, args=(stop,)) for c in clients]
            chaos = threading.Thread(
                target=faults,
                args=(cluster, port, args.duration, args.kills, args.pg_restart, stop, events),
            )
            began = time.monotonic()
            for thread in [*threads, chaos]:
                thread.start()
            time.sleep(args.duration)
            stop.set()
            for thread in [chaos, *threads]:
                thread.join(timeout=GIVE_UP_SECONDS + 60)
            seconds = time.monotonic() - began
            if any(t.is_alive() for t in threads):
                failures.append("a client thread did not finish")
        for event in events:
            print(f"  {event}")
        errors = sum((c.errors for c in clients), Counter())
        print(f"load ran {seconds:.1f} s; errors seen by clients (each retried):")
        for kind, count in errors.most_common():
            print(f"  {count:6d} {kind}")

        with migrated_engine(url) as engine:
            stored = checkpoints.publish(engine, world.operator.key)
            print(f"checkpoint signed at size {stored.size}")
            findings, problems = check_log(url, clients, base)
            nodes_ok, nodes = merkle_nodes_match(engine)
        failures += problems
        for finding in findings:
            print(finding)
        print(nodes)
        if not nodes_ok:
            failures.append(nodes)
        for command in (("verify", "--replay"), ("rebuild",)):
            code, output = ledger_cli(url, workdir, *command)
            print(f"flask ledger {' '.join(command)}: {output.splitlines()[-1]}")
            if code != 0 or (command == ("rebuild",) and "identical" not in output):
                failures.append(f"flask ledger {' '.join(command)}: {output}")
    return report(failures)


if __name__ == "__main__":
    sys.exit(main())
