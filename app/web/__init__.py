"""Server-rendered pages (Jinja2, no external assets)."""
