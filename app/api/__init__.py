"""The JSON API (flask-smorest blueprints), documented as OpenAPI 3."""
