"""The interactive API docs: Swagger UI 5 (which reads OpenAPI 3.1), served from the installed
``flask-swagger-ui`` package so the page works offline, started by a static script (the page
carries no inline script, so a Content-Security-Policy without ``unsafe-inline`` holds)."""

from __future__ import annotations

from pathlib import Path

import flask_swagger_ui
from flask import Blueprint, Flask, render_template, send_from_directory

SWAGGER_UI = Path(flask_swagger_ui.__file__).resolve().parent / "dist"


def version() -> str:
    """The Swagger UI version shipped (e.g. ``v5.34.0``)."""
    return (SWAGGER_UI / "VERSION").read_text().strip()


def register(app: Flask) -> None:
    docs = Blueprint("api_docs", __name__)

    @docs.route("/api/docs")
    def page():
        return render_template("api_docs.html", swagger_ui_version=version())

    @docs.route("/api/docs/assets/<path:filename>")
    def asset(filename: str):
        return send_from_directory(SWAGGER_UI, filename, max_age=86400)

    app.register_blueprint(docs)
