"""Run the Alembic migrations (the only way the schema is made)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

# In a source tree the migrations are the top-level ``migrations/``; an installed package
# carries them as ``app/migrations``.
_INSTALLED = Path(__file__).resolve().parents[1] / "migrations"
MIGRATIONS = (
    _INSTALLED if _INSTALLED.is_dir() else Path(__file__).resolve().parents[2] / "migrations"
)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision``."""
    with engine.connect() as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        connection.commit()
