"""Serve Swagger UI's files from the installed package, so the docs page works offline."""

from __future__ import annotations

from flask import Blueprint, Flask, send_from_directory
from swagger_ui_bundle import swagger_ui_path


def register(app: Flask) -> None:
    assets = Blueprint("docs_assets", __name__)

    @assets.route("/api/docs/assets/<path:filename>")
    def asset(filename: str):
        return send_from_directory(swagger_ui_path, filename, max_age=86400)

    app.register_blueprint(assets)
