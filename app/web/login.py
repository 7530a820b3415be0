"""Signing in to the web pages with an API token, into a server-side session.

The form (CSRF-protected, like every state-changing form) checks the token once and opens a
session that holds the party and the token's id, never the token; the session dies with the
token, its issuing key, sign-out or after 8 hours. ``next`` sends the browser on only to a path
of this site.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for

from app import auth, service
from app.db.store import SqlStore
from app.db.uow import reading
from app.site_paths import is_site_path

bp = Blueprint("login", __name__)


def safe_next(target: str | None) -> str:
    """``target`` if it is a path of this site; otherwise the party's workspace."""
    return target if is_site_path(target) else url_for("workspace.home")


@bp.route("/login", methods=["GET"])
def form():
    """The sign-in form."""
    return render_template("login.html", next=safe_next(request.args.get("next")), error=None)


@bp.route("/login", methods=["POST"])
def sign_in():
    """Check the token and open a server-side session for the party."""
    target = safe_next(request.form.get("next"))
    bearer = request.form.get("token", "").strip()
    try:
        with reading(service.current().engine) as connection:
            store = SqlStore(connection)
            token = auth.token_for(store, bearer)
            party = store.get("party", token["party"])
    except auth.Unauthenticated as exc:
        return render_template("login.html", next=target, error=exc.detail), 401
    session.begin(party=party["id"], token_id=token["id"])
    response = redirect(target, code=303)
    response.headers["X-Ledger-Party"] = party["id"]
    return response


@bp.route("/logout", methods=["POST"])
def sign_out():
    """Revoke the session."""
    session.end()
    return redirect(url_for("login.form"), code=303)
