"""Long operator work reports progress: one step per record verified or replayed, one per
season of demo trade; and the commands show it as a bar on standard error."""

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


def test_the_commands_draw_their_bars_on_standard_error(app):
    runner = app.test_cli_runner()  # click keeps standard error apart
    built = runner.invoke(ledger_group, ["demo", "--scale", "1"])
    assert built.exit_code == 0, built.output
    assert "seasons of trade" in built.stderr
    verified = runner.invoke(ledger_group, ["verify"])
    assert verified.exit_code == 0
    assert "verifying" in verified.stderr
    assert "verifying" not in verified.stdout
    assert verified.stdout.startswith("OK: ")
