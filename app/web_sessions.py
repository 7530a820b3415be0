"""Server-side web sessions: the browser's cookie holds only a random session id.

Flask's session (and with it Flask-WTF's CSRF token) is kept in the ``web_sessions`` table,
under the SHA-256 of the id; the cookie is HttpOnly, SameSite=Lax, ``Secure`` when the request
arrived over TLS (directly or, with ProxyFix configured, through the proxy) or when
``LEDGER_SECURE_COOKIES`` is set. Signing in issues a new id (the old one is revoked, so a
planted id is worth nothing); signing out revokes the session row, so a copied cookie dies too.
Sessions end 8 hours after they began.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import UTC, datetime, timedelta

from flask import Flask, Request, Response
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import delete, insert, select, update
from werkzeug.datastructures import CallbackDict

from app.db.tables import web_sessions
from app.db.uow import reading, writing
from ledger.timefmt import format_instant

COOKIE = "ledger_session"
LIFETIME = timedelta(hours=8)


def _hash(session_id: str) -> str:
    return hashlib.sha256(b"gold-ledger/web-session/v1\n" + session_id.encode()).hexdigest()


class ServerSession(CallbackDict, SessionMixin):
    """A session dictionary whose id is known only to the browser (and, hashed, to the table)."""

    def __init__(self, initial: dict | None = None, session_id: str | None = None):
        def changed(_self) -> None:
            self.modified = True

        super().__init__(initial, changed)
        self.session_id = session_id
        self.modified = False
        self.rotate = False
        self.revoke = False

    def begin(self, **data) -> None:
        """Start a signed-in session with a new id, holding ``data`` only."""
        self.clear()
        self.update(data)
        self.rotate = True

    def end(self) -> None:
        """Revoke this session (sign-out)."""
        self.clear()
        self.revoke = True


class ServerSessionInterface(SessionInterface):
    """Flask sessions stored in the database (``web_sessions``)."""

    def __init__(self, engine):
        self.engine = engine

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        session_id = request.cookies.get(COOKIE)
        if not session_id or len(session_id) > 128:
            return ServerSession()
        with reading(self.engine) as connection:
            row = connection.execute(
                select(web_sessions.c.data).where(
                    web_sessions.c.id_hash == _hash(session_id),
                    web_sessions.c.revoked_at.is_(None),
                    web_sessions.c.expires_at > format_instant(datetime.now(UTC), micro=True),
                )
            ).first()
        if row is None:
            return ServerSession()
        return ServerSession(json.loads(row.data), session_id)

    def save_session(self, app: Flask, session: ServerSession, response: Response) -> None:
        from flask import request

        if session.revoke or (session.rotate and session.session_id):
            self._revoke(session.session_id)
        if session.revoke:
            response.delete_cookie(COOKIE, path="/")
            return
        if not (session.modified or session.rotate) or not session:
            return
        if session.rotate or session.session_id is None:
            session.session_id = secrets.token_urlsafe(32)
            self._create(session)
        else:
            self._update(session)
        response.set_cookie(
            COOKIE,
            session.session_id,
            max_age=int(LIFETIME.total_seconds()),
            httponly=True,
            samesite="Lax",
            secure=request.is_secure or app.config["SECURE_COOKIES"],
            path="/",
        )
        response.vary.add("Cookie")

    def _create(self, session: ServerSession) -> None:
        moment = datetime.now(UTC)
        with writing(self.engine) as connection:
            connection.execute(
                delete(web_sessions).where(
                    web_sessions.c.expires_at < format_instant(moment, micro=True)
                )
            )
            connection.execute(
                insert(web_sessions).values(
                    id_hash=_hash(session.session_id),
                    data=json.dumps(dict(session)),
                    party=session.get("party"),
                    created_at=format_instant(moment, micro=True),
                    expires_at=format_instant(moment + LIFETIME, micro=True),
                )
            )

    def _update(self, session: ServerSession) -> None:
        with writing(self.engine) as connection:
            connection.execute(
                update(web_sessions)
                .where(web_sessions.c.id_hash == _hash(session.session_id))
                .values(data=json.dumps(dict(session)), party=session.get("party"))
            )

    def _revoke(self, session_id: str | None) -> None:
        if session_id is None:
            return
        with writing(self.engine) as connection:
            connection.execute(
                update(web_sessions)
                .where(web_sessions.c.id_hash == _hash(session_id))
                .values(revoked_at=format_instant(datetime.now(UTC), micro=True))
            )
