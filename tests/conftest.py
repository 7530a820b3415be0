"""Fixtures: real databases (SQLite always, PostgreSQL when configured), the app, and parties.

PostgreSQL tests run when ``LEDGER_TEST_POSTGRES_URL`` names a server database the tests may
create scratch databases from (e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/test``).
"""

from __future__ import annotations

import os
import shutil
import threading
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from support import World
from werkzeug.serving import make_server

from app import create_app
from app.db.engine import make_engine
from app.db.migrate import upgrade
from app.db.tables import metadata

POSTGRES_URL = os.environ.get("LEDGER_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A migrated SQLite file, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "ledger.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_database():
    """A scratch PostgreSQL database, migrated once, dropped at the end of the session."""
    if not POSTGRES_URL:
        pytest.skip("LEDGER_TEST_POSTGRES_URL is not set")
    admin_url = make_url(POSTGRES_URL)
    name = f"ledger_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        names = ", ".join(t.name for t in metadata.sorted_tables)
        connection.execute(text(f"TRUNCATE {names}"))
        connection.execute(
            text("INSERT INTO log_head (id, size, head_hash) VALUES (1, 0, :h)"), {"h": "0" * 64}
        )
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    """A migrated, empty database of each backend."""
    if request.param == "sqlite":
        path = tmp_path / "ledger.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_database")
    _reset_postgres(url)
    return url


@pytest.fixture
def app(database_url, tmp_path):
    application = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "OPERATOR_KEY_FILE": str(tmp_path / "operator.pem"),
            "DEMO_KEYS_DIR": str(tmp_path / "demo-keys"),
            "SECRET_KEY_FILE": str(tmp_path / "secret-key"),
            "RATELIMIT_ENABLED": False,
            "PUBLIC_URL": "https://ledger.test",
        }
    )
    yield application
    application.extensions["ledger"].engine.dispose()


@pytest.fixture
def engine(app):
    return app.extensions["ledger"].engine


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def served(app):
    """The app over real HTTP on a free port of 127.0.0.1 (a werkzeug server thread)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture
def world(app):
    """A ledger with its genesis, and signers for the operator and ARM."""
    return World.create(app)
