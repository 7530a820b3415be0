"""`flask ledger verify` holds the stored log to its latest signed checkpoint."""

from __future__ import annotations

from sqlalchemy import delete, update

from app import checkpoints
from app.db.tables import log_head, merkle_nodes, records
from app.db.uow import writing
from ledger.keys import PrivateKey


def _grow(world, count: int) -> None:
    for index in range(count):
        world.state(
            "arm",
            "party.registered",
            {
                "party_id": f"asmo-{index:03d}",
                "name": f"Mine {index}",
                "country": "PE",
                "roles": ["asmo"],
                "public_key": PrivateKey.generate().public.b64,
            },
        )


def _verify(app) -> str:
    result = app.test_cli_runner().invoke(args=["ledger", "verify"])
    return f"{result.exit_code} {result.output}"


def _checkpoint(app, engine) -> checkpoints.Stored:
    return checkpoints.publish(engine, app.extensions["ledger"].operator_key)


def test_truncation_behind_a_checkpoint_is_caught(app, engine, world):
    _grow(world, 6)
    signed = _checkpoint(app, engine)
    assert _verify(app).startswith("0 OK")
    with writing(engine) as connection:
        kept = connection.execute(records.select().where(records.c.seq == signed.size - 2)).one()
        connection.execute(delete(records).where(records.c.seq > signed.size - 2))
        connection.execute(update(log_head).values(size=kept.seq, head_hash=kept.entry_hash))
    output = _verify(app)
    assert output.startswith("1 ")
    assert f"seq {signed.size}: checkpoint-mismatch" in output


def test_rewritten_tree_nodes_are_caught(app, engine, world):
    _grow(world, 5)
    signed = _checkpoint(app, engine)
    with writing(engine) as connection:
        connection.execute(
            update(merkle_nodes).where(merkle_nodes.c.level == 1).values(hash=bytes(32))
        )
    output = _verify(app)
    assert output.startswith("1 ")
    assert f"seq {signed.size}: bad-merkle-node" in output


def test_forged_checkpoint_note_is_caught(app, engine, world):
    _grow(world, 3)
    signed = _checkpoint(app, engine)
    with writing(engine) as connection:
        connection.execute(
            update(checkpoints.checkpoints).values(
                note=signed.note.replace(signed.note.split("\n")[-2][-12:], "AAAAAAAAAAA=")
            )
        )
    output = _verify(app)
    assert output.startswith("1 ")
    assert "bad-checkpoint" in output
