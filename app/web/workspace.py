"""The party's workspace: a home per role and a form for every entry its roles may state.

Pages learn the party only through ``auth.caller()``; anonymous visitors go to the sign-in
form. Entries are signed in the browser with the party's own key (``static/workspace/``) and
posted to ``POST /api/v1/entries``: the server renders words and data, never sees a key.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app import auth, i18n, service
from app.db.store import SqlStore
from app.db.uow import reading
from app.web import entry_words, workspace_home
from ledger.admission import REGISTRY

bp = Blueprint("workspace", __name__, url_prefix="/workspace")


@bp.before_request
def _signed_in():
    """Every workspace page needs a signed-in party."""
    try:
        party = auth.caller()
    except auth.Unauthenticated:
        party = None
    if party is None:
        return redirect(url_for("login.form", next=request.full_path.rstrip("?")))
    return None


def _lot_actions(roles: list[str]) -> list[dict]:
    """Entry types acting on one held lot (their body names ``lot_id`` and ``lot_head``)."""
    return [
        a
        for a in entry_words.actions_for(roles)
        if {"lot_id", "lot_head"} <= set(REGISTRY[a["type"]].body.members)
    ]


@bp.get("")
def home():
    """The party's home: incoming lots, holdings, premiums, recent entries, findings."""
    party = auth.authenticated()
    with reading(service.current().engine) as connection:
        data = workspace_home.home(connection, party)
    actions = entry_words.actions_for(party["roles"])
    return render_template(
        "workspace/home.html",
        party=party,
        actions=actions,
        lot_actions=[a for a in _lot_actions(party["roles"]) if a["type"] != "lot.received"],
        can={a["type"] for a in actions},
        choice=entry_words.choice,
        **data,
    )


@bp.get("/sign/<entry_type>")
def sign(entry_type: str):
    """The form of ``entry_type``, built in the browser from the type's JSON Schema."""
    party = auth.authenticated()
    if entry_type not in REGISTRY or entry_type in entry_words.NOT_IN_WORKSPACE:
        abort(404)
    allowed = bool(REGISTRY[entry_type].roles & set(party["roles"]))
    with reading(service.current().engine) as connection:
        store = SqlStore(connection)
        parties = sorted((p["id"], p["name"]) for p in store.all("party"))
        lots = sorted(
            {lot["id"] for lot in store.find("lot", "holder", party["id"])}
            | {lot["id"] for lot in store.find("lot", "incoming_to", party["id"])}
        )
    title = entry_words.action(entry_type)
    data = {
        "party": party["id"],
        "partyName": party["name"],
        "type": entry_type,
        "typeTitle": title,
        "locale": i18n.language(),
        "text": entry_words.page_text(),
    }
    return render_template(
        "workspace/sign.html",
        party=party,
        entry_type=entry_type,
        title=title,
        summary=REGISTRY[entry_type].summary,
        allowed=allowed,
        refusal=_("Your roles may not state this entry.") if not allowed else None,
        data=data,
        parties=parties,
        lots=lots,
    ), (200 if allowed else 403)
