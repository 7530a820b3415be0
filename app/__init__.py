"""The Flask service around the ``ledger`` core: factory, API, pages, CLI."""

from __future__ import annotations

from flask import Flask

from app import config, i18n, problems, security
from app.openapi_text import DocstringPlugin
from app.schemas import BigIntConverter
from app.service import EXTENSION, LedgerService
from app.web_sessions import ServerSessionInterface


def create_app(overrides: dict | None = None) -> Flask:
    """Build the application; ``overrides`` replace settings read from the environment."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(config.from_environment(app.instance_path))
    app.config.update(
        API_TITLE="Gold lot ledger",
        API_VERSION="v1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",  # the docs page is app.docs_assets (Swagger UI 5)
        API_SPEC_OPTIONS={
            "components": {
                "securitySchemes": {
                    "bearerAuth": {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "An API token `<token_id>.<secret>` the party issued "
                        "itself by signing token.issued (`gold-ledger token issue`).",
                    }
                }
            },
            # Public reads need no token; the others take a bearer token.
            "security": [{}, {"bearerAuth": []}],
        },
    )
    app.config.update(overrides or {})
    app.url_map.converters["int"] = BigIntConverter  # before any route is added
    ledger = app.extensions[EXTENSION] = LedgerService.from_config(app.config)
    app.session_interface = ServerSessionInterface(ledger.engine)
    security.register(app)

    api = problems.ProblemApi(app, spec_kwargs={"extra_plugins": [DocstringPlugin()]})
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
        security.csrf.exempt(blueprint)  # bearer tokens and signatures, never cookies

    from app.web import dashboard, exports, home, login, packaging, provenance, workspace

    pages = (home.bp, provenance.bp, packaging.bp, dashboard.bp, exports.bp, login.bp, workspace.bp)
    for page in pages:
        app.register_blueprint(page)
    i18n.register(app)

    from app import cli, docs_assets

    docs_assets.register(app)
    security.limit_endpoints(app)
    cli.register(app)
    problems.register(app)
    return app
