"""Two writers on one database (two gunicorn workers): what one stores, the other finds.

Each writer keeps a copy of the projections and a Bloom filter of every stored id, so that a
lookup of an id it has never seen needs no query. Both must follow the other's writes exactly.
"""

from __future__ import annotations

import time

import pytest

from app.appender import Appender
from app.db import log, state_cache
from app.db.engine import make_engine
from app.db.uow import reading
from ledger.client import Signer
from ledger.errors import LedgerError
from ledger.keys import PrivateKey


def _add_key(signer: Signer, key: PrivateKey) -> dict:
    return signer.entry("key.added", {"party_id": signer.party_id, "public_key": key.public.b64})


@pytest.fixture
def writers(database_url, world):
    world.register("asmo-one", ["asmo"])
    engines = [make_engine(database_url) for _ in range(2)]
    yield [Appender(engine) for engine in engines]
    for engine in engines:
        engine.dispose()


def test_each_writer_finds_the_keys_the_other_added(world, writers):
    signer = world.signers["asmo-one"]
    for turn in range(6):  # alternate: every key is added by one writer, used by the other
        key = PrivateKey.generate()
        writers[turn % 2].append(_add_key(signer, key), skew=300, max_age=86400)
        signer = Signer("asmo-one", key)
        appended = writers[(turn + 1) % 2].append(
            _add_key(signer, PrivateKey.generate()), skew=300, max_age=86400
        )
        assert appended.created


def test_a_full_filter_is_rebuilt_and_lookups_stay_exact(world, writers, monkeypatch):
    monkeypatch.setattr(state_cache, "MIN_FILTER", 1)  # full after every commit
    signer, added = world.signers["asmo-one"], []
    for turn in range(4):
        key = PrivateKey.generate()
        appended = writers[turn % 2].append(_add_key(signer, key), skew=300, max_age=86400)
        assert appended.created
        signer, added = Signer("asmo-one", key), [*added, key]
    for writer in writers:  # every stored key is known to exist, to both
        with pytest.raises(LedgerError) as refused:
            writer.append(_add_key(signer, added[0]), skew=300, max_age=86400)
        assert refused.value.code == "key-exists"


def test_a_resend_gets_its_record_and_a_reused_nonce_is_refused_by_any_writer(world, writers):
    signer = world.signers["asmo-one"]
    entry = signer.entry("key.added", {"party_id": "asmo-one", "public_key": _public()})
    first = writers[0].append(entry, skew=300, max_age=86400)
    again = writers[1].append(entry, skew=300, max_age=86400)  # the rules refuse a repeat
    assert (again.created, again.record) == (False, first.record)
    # Same nonce, another key: the rules accept it, the stored nonce does not.
    other = signer.entry(
        "key.added", {"party_id": "asmo-one", "public_key": _public()}, nonce=entry["nonce"]
    )
    for writer in writers:
        with pytest.raises(LedgerError) as refused:
            writer.append(other, skew=300, max_age=86400)
        assert refused.value.code == "nonce-reused"


def _public() -> str:
    return PrivateKey.generate().public.b64


def test_a_filter_scanned_in_the_background_catches_up_before_use(world, writers, monkeypatch):
    monkeypatch.setattr(state_cache, "INLINE_SCAN", 0)  # every scan in the background
    signer, cache = world.signers["asmo-one"], writers[0].cache
    for turn in range(40):  # the other writer keeps storing ids meanwhile
        key = PrivateKey.generate()
        assert writers[turn % 2].append(_add_key(signer, key), skew=300, max_age=86400).created
        signer = Signer("asmo-one", key)
        if turn % 2 and cache._stored is not None:
            break
        time.sleep(0.05)
    assert cache._stored is not None, "the background scan was never installed"
    for writer in writers:  # what the other writer stored after the scan is known to exist
        with pytest.raises(LedgerError) as refused:
            writer.append(_add_key(signer, key), skew=300, max_age=86400)
        assert refused.value.code == "key-exists"


def test_a_writer_that_only_refuses_still_catches_up_with_the_other(world, writers, engine):
    signer = world.signers["asmo-one"]
    key = PrivateKey.generate()
    writers[0].append(_add_key(signer, key), skew=300, max_age=86400)
    writers[1].append(_add_key(signer, PrivateKey.generate()), skew=300, max_age=86400)
    with pytest.raises(LedgerError):  # synced, then refused: nothing committed
        writers[0].append(_add_key(signer, key), skew=300, max_age=86400)
    with reading(engine) as connection:
        generation = log.lock_head(connection).generation
    assert writers[0].cache.generation == generation
