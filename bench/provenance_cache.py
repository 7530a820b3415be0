"""Provenance page and bundle views with and without the per-checkpoint cache.

Builds the demo ledger (``--seasons`` of trade) in a scratch SQLite file or PostgreSQL database,
then serves ``GET /lots/<lot>`` and ``GET /api/v1/lots/<lot>/bundle`` through the Flask test
client (full request handling, no network): "uncached" empties the cache before every request,
as every view was before (build the bundle, verify it, render); "cached" is a view of an
unchanged checkpoint. Prints p50 / p95 milliseconds of each.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from bench._common import (
    announce,
    bench_parser,
    migrated_engine,
    percentile,
    scratch_dir,
    scratch_postgres,
)

LOTS = ("RING-2026-0001", "BAR-2026-0002")


def _time(client, path: str, runs: int, before=None) -> list[float]:
    timings = []
    for _ in range(runs):
        if before is not None:
            before()
        start = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return sorted(timings)


def _measure(url: str, work: Path, seasons: int, runs: int) -> None:
    from app import bootstrap, create_app, demo

    with migrated_engine(url) as engine:
        operator = bootstrap.load_or_create_key(work / "operator.pem")
        size = demo.build(engine, work / "keys", operator, "bench.example/log", scale=seasons)
    app = create_app(
        {
            "DATABASE_URL": url,
            "OPERATOR_KEY_FILE": str(work / "operator.pem"),
            "SECRET_KEY_FILE": str(work / "secret-key"),
            "RATELIMIT_ENABLED": False,
        }
    )
    client = app.test_client()
    backend = url.split(":", 1)[0].split("+", 1)[0]
    print(f"{backend}: demo of {seasons} seasons, {size} records", flush=True)
    ledger = app.extensions["ledger"]
    for lot in LOTS:
        for what, path in (("page", f"/lots/{lot}"), ("bundle", f"/api/v1/lots/{lot}/bundle")):
            uncached = _time(client, path, runs, before=ledger.bundles.clear)
            _time(client, path, 1)  # fill the cache
            cached = _time(client, path, runs * 10)
            print(
                f"  {lot:<16} {what:<6} uncached p50 {percentile(uncached, 50):8.2f} ms"
                f" p95 {percentile(uncached, 95):8.2f} ms | cached p50"
                f" {percentile(cached, 50):6.2f} ms p95 {percentile(cached, 95):6.2f} ms"
                f" | speed-up {statistics.median(uncached) / statistics.median(cached):5.0f}x",
                flush=True,
            )
    ledger.engine.dispose()


def main() -> None:
    parser = bench_parser(__doc__, "one season, 5 uncached views each, SQLite only")
    parser.add_argument("--seasons", type=int, default=6)
    parser.add_argument("--runs", type=int, default=20, help="uncached views per page")
    args = parser.parse_args()
    announce("provenance page and bundle cache", args)
    seasons, runs = (1, 5) if args.quick else (args.seasons, args.runs)
    with scratch_dir() as work:
        _measure(f"sqlite:///{work / 'ledger.db'}", work, seasons, runs)
    if not args.quick:
        with scratch_postgres() as url, scratch_dir() as work:
            _measure(url, work, seasons, runs)


if __name__ == "__main__":
    main()
