"""The README's two set-up commands: CI runs the test command exactly as the README gives it."""

from __future__ import annotations

import re
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
