"""Long operator work reports progress: one step per record verified or replayed, one per
season of demo trade; the commands draw it as a bar on a terminal's standard error only."""

from __future__ import annotations

from pathlib import Path

from app import bootstrap, demo, integrity
from app.cli import ledger_group


def test_verify_rebuild_and_demo_report_every_step(app, engine, tmp_path):
    seasons = []
    operator = bootstrap.load_or_create_key(Path(app.config["OPERATOR_KEY_FILE"]))
    size = demo.build(
        engine, tmp_path / "keys", operator, "test/log", scale=2, progress=seasons.append
    )
    assert seasons == [1, 1]
    verified = []
    assert integrity.verify_log(engine, progress=verified.append).ok
    assert len(verified) == size
    replayed = []
    _count, equal = integrity.rebuild(engine, progress=replayed.append)
    assert equal
    assert len(replayed) == size


def test_without_a_terminal_the_commands_print_no_bar(app):
    runner = app.test_cli_runner()
    built = runner.invoke(ledger_group, ["demo", "--scale", "1"])
    assert built.exit_code == 0, built.output
    verified = runner.invoke(ledger_group, ["verify"])
    assert verified.exit_code == 0
    assert verified.output.startswith("OK: ")
    assert verified.stderr == ""
