"""Signing in to the web pages with an API token (kept in an HttpOnly, SameSite cookie)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from app import auth, db
from app.db.store import SqlStore
from app.db.uow import reading

bp = Blueprint("login", __name__)
MAX_AGE = 8 * 3600


def _safe_next(target: str | None) -> str:
    """Only same-site paths; anything else goes to the party's workspace."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("workspace.home")


@bp.route("/login", methods=["GET"])
def form():
    """The sign-in form."""
    return render_template("login.html", next=_safe_next(request.args.get("next")), error=None)


@bp.route("/login", methods=["POST"])
def sign_in():
    """Check the token and keep it in a cookie for the browser session."""
    target = _safe_next(request.form.get("next"))
    token = request.form.get("token", "").strip()
    try:
        with reading(db.get_engine()) as connection:
            party = auth.party_for_token(SqlStore(connection), token)
    except auth.Unauthenticated as exc:
        return render_template("login.html", next=target, error=exc.detail), 401
    response = redirect(target, code=303)
    response.set_cookie(
        auth.COOKIE,
        token,
        max_age=MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
        path="/",
    )
    response.headers["X-Ledger-Party"] = party["id"]
    return response


@bp.route("/logout", methods=["POST"])
def sign_out():
    """Forget the token cookie."""
    response = redirect(url_for("login.form"), code=303)
    response.delete_cookie(auth.COOKIE, path="/")
    return response
