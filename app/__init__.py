"""The Flask service around the ``ledger`` core: factory, API, pages, CLI."""

from __future__ import annotations

from flask import Flask

from app import config, problems
from app.db.engine import make_engine
from app.schemas import BigIntConverter


def create_app(overrides: dict | None = None) -> Flask:
    """Build the application; ``overrides`` replace settings read from the environment."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(config.from_environment(app.instance_path))
    app.config.update(
        API_TITLE="Gold lot ledger",
        API_VERSION="v1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL="/api/docs/assets/",
    )
    app.config.update(overrides or {})
    app.url_map.converters["int"] = BigIntConverter  # before any route is added
    app.extensions["ledger_engine"] = make_engine(app.config["DATABASE_URL"])

    api = problems.ProblemApi(app)
    from app.api import (
        entries,
        epcis,
        health,
        log,
        lots,
        parties,
        proofs,
        reports,
        supply_reports,
    )

    for blueprint in (
        entries.blp,
        log.blp,
        parties.blp,
        lots.blp,
        health.blp,
        proofs.blp,
        reports.blp,
        supply_reports.blp,
        epcis.blp,
    ):
        api.register_blueprint(blueprint)

    from app.web import dashboard, login, provenance

    for page in (provenance.bp, dashboard.bp, login.bp):
        app.register_blueprint(page)

    from app import cli, docs_assets

    docs_assets.register(app)
    cli.register(app)
    problems.register(app)
    return app
