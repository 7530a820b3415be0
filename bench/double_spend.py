"""One lot, spent 100 times at once over HTTP by several gunicorn workers: exactly one wins.

The test suite races spends inside one process; here the attempts cross processes. On a fresh
database (PostgreSQL and SQLite) a First Authorized Buyer holds a paid-up Fairmined lot. A
hundred client threads, each with its own connection, sign different spends of the lot (ships
to three recipients, sales, splits, retirements) against the same ``lot_head``, and are
released together against ``gunicorn -w 4 -k gthread --threads 8``. Printed: the answers by
status and problem code, which spend won, and ``flask ledger verify --replay``. Exit status 1
unless exactly one spend was appended and every other got a 409.

Run: ``.venv/bin/python -m bench.double_spend [--attempts 100] [--backends postgresql,sqlite]``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import threading
from collections import Counter
from contextlib import nullcontext
from pathlib import Path

from app import bootstrap
from app.demo import Demo
from bench._common import ROOT, migrated_engine, scratch_dir, scratch_postgres, versions
from bench.append_throughput import HEADERS, gunicorn
from ledger import terms
from ledger.keys import PrivateKey
from ledger.timefmt import format_instant

LOT = "DORE-RACE-001"
RECIPIENTS = ("refiner-1", "jeweller-1", "trader-1")


def prepare(engine, keys: Path) -> tuple[Demo, PrivateKey]:
    """A ledger where ``fab-1`` holds ``LOT``, its premium paid and confirmed."""
    operator = PrivateKey.generate()
    demo = Demo(engine, keys)  # on the real clock
    arm = demo.key("arm")
    demo.submit(
        bootstrap.genesis_entry(
            operator,
            arm.public,
            origin="bench.gold-ledger/race",
            created_at=format_instant(demo.now),
        )
    )
    for party_id, roles, activities in (
        ("cert-1", ["certifier"], ["certification"]),
        ("asmo-1", ["asmo"], ["mining"]),
        ("fab-1", ["first_buyer"], ["trading"]),
        ("refiner-1", ["supplier"], ["refining"]),
        ("jeweller-1", ["licensee"], ["manufacturing"]),
        ("trader-1", ["supplier"], ["trading"]),
    ):
        demo.register(party_id, party_id, "CO", roles, activities)
    demo.certify("cert-1", "FM-RACE", "asmo-1", False)
    for party_id, role in (
        ("fab-1", "first_buyer"),
        ("refiner-1", "supplier"),
        ("jeweller-1", "licensee"),
        ("trader-1", "supplier"),
    ):
        demo.authorise(party_id, role)
    demo.state(
        "arm",
        "reference_price.posted",
        {"metal": "gold", "day": demo.day, "currency": "USD", "price_per_troy_oz": 4_000_00},
    )
    demo.state(
        "asmo-1",
        "lot.registered",
        {
            "lot_id": LOT,
            "metal": "gold",
            "form": "dore",
            "gross_mg": 1_000_000,
            "fineness": 8800,
            "claim": "fairmined",
            "mine_site": "La Llanada",
            "production_from": "2026-01-01",
            "production_to": demo.day,
            "processing": {"mercury": False, "cyanide": False, "gravimetric_only": True},
        },
    )
    sealed, commitment = terms.seal(115_000_00, "USD")
    sale = demo.lot_op(
        "asmo-1", "lot.sold", LOT, sealed, buyer="fab-1", terms_commitment=commitment
    )
    demo.lot_op("asmo-1", "lot.shipped", LOT, to="fab-1")
    demo.lot_op("fab-1", "lot.received", LOT, gross_mg=1_000_000)
    due = 880 * 4_000_00 // 1000
    obligation = f"PRM-{sale['seq']}"
    evidence, evidence_commitment = terms.seal_evidence("wire")
    demo.state(
        "fab-1",
        "premium.paid",
        {
            "obligation_id": obligation,
            "amount": due,
            "currency": "USD",
            "paid_on": demo.day,
            "evidence_commitment": evidence_commitment,
        },
        private=evidence,
    )
    demo.state(
        "asmo-1",
        "premium.confirmed",
        {"obligation_id": obligation, "amount": due, "currency": "USD", "received_on": demo.day},
    )
    return demo, operator


def spends(demo: Demo, attempts: int) -> list[bytes]:
    """``attempts`` different spends of the lot's current head, signed by its holder."""
    buyer, head, out = demo.signers["fab-1"], demo.heads[LOT], []
    for n in range(attempts):
        kind = n % 6
        if kind < 3:
            entry = buyer.entry(
                "lot.shipped", {"lot_id": LOT, "lot_head": head, "to": RECIPIENTS[kind]}
            )
        elif kind == 3:
            sealed, commitment = terms.seal(120_000_00 + n, "USD")
            body = {
                "lot_id": LOT,
                "lot_head": head,
                "buyer": "trader-1",
                "terms_commitment": commitment,
            }
            entry = buyer.entry("lot.sold", body, private=sealed)
        elif kind == 4:
            outputs = [
                {"lot_id": f"PART-{n:03d}-A", "gross_mg": 400_000},
                {"lot_id": f"PART-{n:03d}-B", "gross_mg": 600_000},
            ]
            entry = buyer.entry("lot.split", {"lot_id": LOT, "lot_head": head, "outputs": outputs})
        else:
            entry = buyer.entry("lot.retired", {"lot_id": LOT, "lot_head": head, "reason": "lost"})
        out.append(json.dumps(entry).encode())
    return out


def race(port: int, bodies: list[bytes]) -> list[tuple[int, dict]]:
    barrier = threading.Barrier(len(bodies), timeout=60)
    answers: list = [None] * len(bodies)

    def post(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        connection.connect()
        barrier.wait()
        connection.request("POST", "/api/v1/entries", body=bodies[index], headers=HEADERS)
        response = connection.getresponse()
        answers[index] = (response.status, json.loads(response.read()))
        connection.close()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return answers


def run(backend: str, attempts: int, workdir: Path) -> bool:
    context = (
        scratch_postgres("bench_race")
        if backend == "postgresql"
        else nullcontext(f"sqlite:///{workdir / 'race.db'}")
    )
    with context as url:
        with migrated_engine(url) as engine:
            demo, _ = prepare(engine, workdir / f"keys-{backend}")
            bodies = spends(demo, attempts)
        with gunicorn(url, 4, 8, workdir) as port:
            answers = race(port, bodies)
        by_status = Counter(status for status, _ in answers)
        codes = Counter(answer.get("code") for status, answer in answers if status != 201)
        winners = [answer for status, answer in answers if status == 201]
        verify = subprocess.run(
            [str(ROOT / ".venv/bin/flask"), "--app", "wsgi", "ledger", "verify", "--replay"],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": url},
            capture_output=True,
            text=True,
            check=False,
        )
    print(f"{backend}: {attempts} spends of one head: answers {dict(by_status)}")
    print(f"  refusals {dict(codes)}")
    for winner in winners:
        entry = winner["entry"]
        body = {k: v for k, v in entry["body"].items() if k != "lot_head"}
        print(f"  won: seq {winner['seq']} {entry['type']} {json.dumps(body)[:100]}")
    print(f"  {(verify.stdout or verify.stderr).strip()}")
    refusals_ok = set(codes) <= {"stale-head", "lot-in-transit"}
    return by_status == {201: 1, 409: attempts - 1} and refusals_ok and verify.returncode == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--attempts", type=int, default=100)
    parser.add_argument("--backends", default="postgresql,sqlite")
    args = parser.parse_args(argv)
    print(f"# double spend over HTTP, gunicorn 4x8; {versions()}", flush=True)
    with scratch_dir("bench-race-") as workdir:
        results = [run(b, args.attempts, workdir) for b in args.backends.split(",")]
    print("RESULT:", "OK" if all(results) else "FAILED")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
