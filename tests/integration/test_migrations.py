"""The migrations are the schema: what they build is exactly ``app.db.tables``, both ways."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app.db.engine import make_engine
from app.db.migrate import alembic_config, upgrade
from app.db.tables import metadata


def _differences(engine) -> list:
    with engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), metadata)


def test_migrated_schema_equals_the_table_definitions(database_url):
    engine = make_engine(database_url)
    try:
        assert _differences(engine) == []
    finally:
        engine.dispose()


def test_downgrade_to_nothing_and_up_again(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'ledger.db'}")
    try:
        upgrade(engine)
        with engine.connect() as connection:
            config = alembic_config(engine)
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
            connection.commit()
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        upgrade(engine)
        assert _differences(engine) == []
    finally:
        engine.dispose()
