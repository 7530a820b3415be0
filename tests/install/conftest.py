"""The package as a user gets it: a wheel built from this tree, installed into a fresh
virtualenv without the server's dependencies, and a real server with the demo data to point
its console scripts at."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import venv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import bootstrap, demo

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Installed:
    """A fresh virtualenv holding only the wheel and its base dependencies."""

    wheel: Path
    bin: Path

    def run(self, *args: str, env: dict | None = None, stdin: str | None = None):
        return subprocess.run(
            [str(self.bin / args[0]), *args[1:]],
            capture_output=True,
            text=True,
            input=stdin,
            timeout=120,
            check=False,
            env={**_clean_env(), **(env or {})},
            cwd=self.bin.parent,  # not the source tree, so nothing is imported from it
        )


def _clean_env() -> dict:
    """The environment without this virtualenv or the source tree on the path."""
    drop = {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("GOLD_")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def _copy_of_the_tree(target: Path) -> Path:
    """The files git tracks or would track (committed or not), without ignored build output."""
    listed = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


@pytest.fixture(scope="session")
def installed(tmp_path_factory) -> Installed:
    """Build the wheel (pip, isolated build) and install it into a new virtualenv."""
    work = tmp_path_factory.mktemp("package")
    source = _copy_of_the_tree(work / "source")  # the build writes build/ and *.egg-info there
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
        env=_clean_env(),
    )
    (wheel,) = work.glob("gold_lot_ledger-*.whl")
    target = work / "venv"
    venv.EnvBuilder(with_pip=True).create(target)
    subprocess.run(
        [str(target / "bin" / "pip"), "install", "-q", str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
        env=_clean_env(),
        cwd=work,
    )
    return Installed(wheel, target / "bin")


@pytest.fixture
def demo_server(app, tmp_path) -> Iterator[tuple[str, Path]]:
    """The app over real HTTP with the demo data; yields its URL and the parties' keys."""
    keys = tmp_path / "demo-keys"
    operator = bootstrap.load_or_create_key(Path(app.config["OPERATOR_KEY_FILE"]))
    demo.build(app.extensions["ledger"].engine, keys, operator, "test/log", scale=1)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", keys
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
