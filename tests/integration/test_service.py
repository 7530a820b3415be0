"""One ledger service per application: created without connecting or starting a thread, shared
by every request, reading the operator key once, and safe to fork (gunicorn workers)."""

from __future__ import annotations

import os
from pathlib import Path

from app import service
from app.bootstrap import load_or_create_key
from app.db import log
from app.db.uow import reading


def test_creating_the_app_connects_nowhere_and_starts_no_thread(app):
    ledger = app.extensions["ledger"]
    assert ledger.engine.pool.checkedin() == 0
    assert ledger.engine.pool.checkedout() == 0
    assert ledger.appender.writer._thread is None


def test_every_request_and_command_of_an_app_shares_its_service(app, world):
    with app.app_context():
        ledger = service.current()
    assert ledger is app.extensions["ledger"]
    assert world.client.head()["size"] == 1  # the genesis, appended by the same appender
    assert ledger.appender.cache.generation is not None


def test_the_operator_key_is_read_once(app, world):
    ledger = app.extensions["ledger"]
    key = ledger.operator_key
    Path(app.config["OPERATOR_KEY_FILE"]).unlink()
    assert ledger.operator_key is key
    assert app.test_client().get("/api/v1/checkpoint").status_code == 200


def test_a_forked_worker_connects_on_its_own(app):
    engine = app.extensions["ledger"].engine
    load_or_create_key(Path(app.config["OPERATOR_KEY_FILE"]))
    with reading(engine) as connection:
        log.head(connection)
    assert engine.pool.checkedin() == 1  # the parent's pooled connection
    child = os.fork()
    if child == 0:  # the child: a pool of its own, and it works
        try:
            fresh = engine.pool.checkedin() == 0
            with reading(engine) as connection:
                log.head(connection)
            os._exit(0 if fresh else 1)
        except BaseException:
            os._exit(2)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    with reading(engine) as connection:  # the parent's connection is still its own
        assert log.head(connection)[0] == 0
