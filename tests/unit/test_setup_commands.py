"""The README's two set-up commands: CI runs the test command exactly as the README gives it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section, flags=re.S)


def test_the_readme_gives_a_run_command_and_a_test_command():
    run, test = _commands()
    assert "ledger demo" in run
    assert "gunicorn" in run
    assert "pytest" in test


def test_ci_runs_the_readmes_test_command_verbatim():
    _, test = _commands()
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test in ci


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\[<>=!~ ]", r.strip(), maxsplit=1)[0].lower() for r in requirements}


def test_the_package_declares_every_pinned_runtime_requirement():
    """``pip install .[server]`` brings what ``requirements.txt`` pins for the service."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = _names(project["dependencies"] + project["optional-dependencies"]["server"])
    text = (ROOT / "requirements.txt").read_text().split("# Pinned transitive", 1)[0]
    pinned = _names([line for line in text.splitlines() if line and not line.startswith("#")])
    assert pinned <= declared, sorted(pinned - declared)
