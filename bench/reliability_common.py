"""Shared by the reliability scripts: a throwaway PostgreSQL cluster, gunicorn's workers, and
checks that the stored log is whole (records, Merkle nodes, projections).

The cluster is initialised by ``initdb`` (as the ``postgres`` user, which it requires) in a
temporary directory, listens on 127.0.0.1 at its own port with its socket in that directory,
and is stopped and removed when the block ends. The shared server on 5432 is never touched.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, select, text

from app.db import log
from app.db.tables import merkle_nodes
from app.db.uow import reading
from bench._common import ROOT
from ledger.merkle import nodes_completed_by

PG_BIN = Path("/usr/lib/postgresql/15/bin")
FLASK = ROOT / ".venv/bin/flask"


def _as_postgres(*command: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["runuser", "-u", "postgres", "--", *command],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )


@dataclass
class Cluster:
    """A running throwaway cluster."""

    root: Path
    port: int

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def pg_ctl(self, *args: str, timeout: float = 120) -> None:
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), *args, timeout=timeout)

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c max_connections=300 -c fsync=on -c synchronous_commit=on"
        )
        self.pg_ctl("-l", str(self.root / "server.log"), "-o", options, "-w", "start")

    def restart(self, mode: str = "immediate") -> float:
        """Stop (``fast`` or ``immediate``: a crash, recovered from WAL) and start again;
        returns the seconds it was unavailable."""
        began = time.perf_counter()
        self.pg_ctl("-m", mode, "-w", "stop")
        self.start()
        return time.perf_counter() - began

    def create_database(self, name: str) -> str:
        """Create database ``name``; returns its SQLAlchemy URL."""
        admin = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            admin.dispose()
        return self.url(name)

    def libpq(self, database: str) -> list[str]:
        """Connection arguments for pg_dump, pg_restore and psql."""
        return ["-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database]


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


@contextmanager
def throwaway_cluster(port: int) -> Iterator[Cluster]:
    """initdb, start on ``port``; stop and delete everything when the block ends."""
    if not port_is_free(port):
        raise RuntimeError(f"port {port} is in use; pass another --port")
    cluster = Cluster(Path(tempfile.mkdtemp(prefix="reliability-pg-")), port)
    try:
        shutil.chown(cluster.root, "postgres", "postgres")
        _as_postgres(
            str(PG_BIN / "initdb"),
            *("-D", str(cluster.data), "-U", "postgres", "-A", "trust", "-E", "UTF8"),
            "--no-instructions",
        )
        cluster.start()
        yield cluster
    finally:
        if (cluster.data / "postmaster.pid").exists():
            subprocess.run(
                ["runuser", "-u", "postgres", "--", str(PG_BIN / "pg_ctl"), "-D",
                 str(cluster.data), "-m", "immediate", "-w", "stop"],
                capture_output=True, timeout=60, check=False,
            )  # fmt: skip
        shutil.rmtree(cluster.root, ignore_errors=True)


def children(pid: int) -> list[int]:
    """The child processes of ``pid`` (from /proc)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def gunicorn_processes() -> tuple[int, list[int]]:
    """The gunicorn master this process started, and its current workers."""
    for pid in children(os.getpid()):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"gunicorn" in command:
            return pid, children(pid)
    raise RuntimeError("no gunicorn child process")


def connections_served(pid: int, port: int) -> int:
    """How many established TCP connections to local ``port`` process ``pid`` holds."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                inodes.add(fields[9])
    held = 0
    for fd in Path(f"/proc/{pid}/fd").glob("*"):
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        held += target.startswith("socket:[") and target[8:-1] in inodes
    return held


def ledger_cli(database_url: str, workdir: Path, *args: str) -> tuple[int, str]:
    """Run ``flask --app wsgi ledger <args>`` against ``database_url``; (exit code, output)."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "LEDGER_OPERATOR_KEY_FILE": str(workdir / "operator.pem"),
    }
    run = subprocess.run(
        [str(FLASK), "--app", "wsgi", "ledger", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    return run.returncode, (run.stdout + run.stderr).strip()


class _Nodes(dict):
    """Merkle nodes by ``(level, index)``, readable by ``ledger.merkle``."""

    def node(self, level: int, index: int) -> bytes:
        return self[(level, index)]


def merkle_nodes_match(engine: Engine) -> tuple[bool, str]:
    """Whether the stored Merkle nodes are exactly those the stored records imply."""
    expected = _Nodes()
    with reading(engine) as connection:
        for index, record in enumerate(log.stream(connection)):
            leaf = bytes.fromhex(record.entry_hash)
            for level, position, value in nodes_completed_by(index, leaf, expected):
                expected[(level, position)] = value
        stored = {
            (row.level, row.idx): bytes(row.hash)
            for row in connection.execute(select(merkle_nodes))
        }
    if stored == expected:
        return True, f"{len(stored)} Merkle nodes, exactly those the records imply"
    missing, extra = expected.keys() - stored.keys(), stored.keys() - expected.keys()
    wrong = [k for k in stored.keys() & expected.keys() if stored[k] != expected[k]]
    return False, f"Merkle nodes: {len(missing)} missing, {len(extra)} extra, {len(wrong)} wrong"


def report(failures: list[str]) -> int:
    """Print the verdict and each failure; the exit status."""
    print("RESULT:", "OK" if not failures else "FAILED")
    for failure in failures:
        print("  FAIL", failure)
    return 1 if failures else 0
