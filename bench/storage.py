"""Bytes per log entry on disk, per table, in PostgreSQL and SQLite.

Builds the demo data set (``app.demo.build(scale=K)``: realistic signed history through the real
append path) in a scratch PostgreSQL database and a scratch SQLite file, then divides the size
of each table by the number of records:

* PostgreSQL: ``pg_total_relation_size`` (heap + indexes + TOAST) of each table as built,
  after ``VACUUM`` and after ``VACUUM FULL`` (``state`` and ``state_index`` are rewritten on
  every change of an object, so they carry dead rows until vacuumed);
* SQLite: the bytes of each table and its indexes (``dbstat``, after ``VACUUM``) and the whole
  file size.

Run: ``.venv/bin/python -m bench.storage [--scale 100]``; ``--quick`` uses scale 20.
"""

from __future__ import annotations

import sqlite3
import sys
import time

from sqlalchemy import create_engine, text

from app import demo
from bench._common import announce, bench_parser, migrated_engine, scratch_dir, scratch_postgres
from ledger.keys import PrivateKey

MAIN_TABLES = ("records", "state", "state_index", "merkle_nodes")


def build(url: str, workdir, scale: int) -> tuple[int, float]:
    """The demo ledger at ``url``; returns (records, seconds)."""
    began = time.perf_counter()
    with migrated_engine(url) as engine:
        size = demo.build(
            engine, workdir / "keys", PrivateKey.generate(), "bench.gold-ledger/log", scale=scale
        )
    return size, time.perf_counter() - began


def postgres_sizes(url: str) -> dict[str, tuple[int, int]]:
    """``table -> (total bytes, of which indexes)`` for every table but Alembic's."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT tablename, pg_total_relation_size(quote_ident(tablename)),"
                    " pg_indexes_size(quote_ident(tablename))"
                    " FROM pg_tables WHERE schemaname = 'public'"
                    " AND tablename <> 'alembic_version'"
                )
            )
            return {name: (total, indexes) for name, total, indexes in rows}
    finally:
        engine.dispose()


def postgres_vacuum(url: str, full: bool) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("VACUUM (FULL, ANALYZE)" if full else "VACUUM (ANALYZE)"))
    finally:
        engine.dispose()


def sqlite_sizes(path) -> tuple[dict[str, tuple[int, int]], int]:
    """After VACUUM: ``table -> (bytes incl. indexes, of which indexes)``, and the file size."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.execute("VACUUM")
        owner = dict(connection.execute("SELECT name, tbl_name FROM sqlite_master"))
        sizes: dict[str, list[int]] = {}
        for name, pages in connection.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"):
            table = owner.get(name, name)
            if table in ("sqlite_schema", "sqlite_master", "alembic_version"):
                continue
            entry = sizes.setdefault(table, [0, 0])
            entry[0] += pages
            if name != table:
                entry[1] += pages
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
        file_size = connection.execute("PRAGMA page_count").fetchone()[0] * page_size
    finally:
        connection.close()
    return {t: (total, idx) for t, (total, idx) in sizes.items()}, file_size


def order(tables) -> list[str]:
    return [t for t in MAIN_TABLES if t in tables] + sorted(set(tables) - set(MAIN_TABLES))


def main(argv: list[str] | None = None) -> int:
    parser = bench_parser(__doc__, "scale 20")
    parser.add_argument("--scale", type=int, default=100, help="demo seasons (~36 entries each)")
    args = parser.parse_args(argv)
    scale = 20 if args.quick else args.scale
    announce(f"storage, demo scale {scale}", args)

    with scratch_dir("bench-storage-") as workdir:
        with scratch_postgres("bench_storage") as url:
            records, seconds = build(url, workdir / "pg", scale)
            print(f"PostgreSQL: {records:,} records built in {seconds:.1f} s", flush=True)
            built = postgres_sizes(url)
            postgres_vacuum(url, full=False)
            vacuumed = postgres_sizes(url)
            postgres_vacuum(url, full=True)
            compact = postgres_sizes(url)
        path = workdir / "ledger.db"
        sqlite_records, seconds = build(f"sqlite:///{path}", workdir / "sqlite", scale)
        print(f"SQLite: {sqlite_records:,} records built in {seconds:.1f} s", flush=True)
        lite, file_size = sqlite_sizes(path)

    print()
    print(f"PostgreSQL, {records:,} records: bytes per record (total incl. indexes and TOAST;"
          " indexes in brackets)")  # fmt: skip
    print("| table | as built | after VACUUM | after VACUUM FULL |")
    print("|---|---:|---:|---:|")

    def cell(sizes: dict[str, tuple[int, int]], table: str, count: int) -> str:
        total, indexes = sizes[table]
        return f"{total / count:,.0f} ({indexes / count:,.0f})"

    for table in order(built):
        cells = " | ".join(cell(sizes, table, records) for sizes in (built, vacuumed, compact))
        print(f"| {table} | {cells} |")
    totals = [sum(t for t, _ in s.values()) / records for s in (built, vacuumed, compact)]
    print("| **all tables** | " + " | ".join(f"**{t:,.0f}**" for t in totals) + " |")
    print()
    print(
        f"SQLite, {sqlite_records:,} records, after VACUUM: bytes per record (indexes in brackets)"
    )
    print("| table | bytes/record |")
    print("|---|---:|")
    for table in order(lite):
        print(f"| {table} | {cell(lite, table, sqlite_records)} |")
    print(f"| **whole file** | **{file_size / sqlite_records:,.0f}** |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
