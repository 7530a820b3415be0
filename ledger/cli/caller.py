"""The caller: the party acting in one CLI invocation, with its signer, its API token, the
service, and how results are shown (human summary, ``--json`` or ``--dry-run``).

The private key is read from the profile's key file and only ever used here, locally, to sign;
entries travel signed. Reads that need a token use the profile's token, else one the CLI
issued itself earlier (kept in ``$XDG_STATE_HOME/gold-ledger/tokens/``, mode 0600), else it
issues one (a ``token.issued`` entry, valid 30 days). ``--dry-run`` writes nothing: it prints
the signed entry, and refuses when it would need a token it does not have.
"""

from __future__ import annotations

import hashlib
import json
import os
import urllib.error
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any, Concatenate, ParamSpec, TypeVar

import click

from ledger.admission import REGISTRY
from ledger.cli import output
from ledger.cli.profile import Profile, ProfileError, state_home
from ledger.client import LedgerClient, LedgerHTTPError, Signer, Transport, http_transport
from ledger.errors import LedgerError
from ledger.keys import PrivateKey
from ledger.projections import JSONObject
from ledger.timefmt import format_instant, parse_instant

P = ParamSpec("P")
R = TypeVar("R")


class Refused(click.ClickException):
    """A refusal, shown as title, detail and member; exit status 1."""

    def __init__(self, problem: JSONObject, status: int | None = None):
        super().__init__(output.describe_problem(problem, status))
        self.problem = problem

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(self.message, err=True)


def local_refusal(exc: LedgerError) -> Refused:
    return Refused(
        {
            "code": exc.code,
            "title": "checked here, before sending: nothing was sent",
            "detail": exc.detail,
            "pointer": exc.pointer,
        }
    )


@dataclass
class Caller:
    profile: Profile
    as_json: bool = False
    dry_run: bool = False
    assume_yes: bool = False
    transport: Transport | None = None
    _signer: Signer | None = field(default=None, init=False)
    _token: str | None = field(default=None, init=False)

    # --- identity -------------------------------------------------------------------------
    @property
    def party(self) -> str:
        return self._need("party")

    @property
    def signer(self) -> Signer:
        if self._signer is None:
            path = Path(self._need("key"))
            try:
                key = PrivateKey.from_pem(path.read_bytes())
            except (OSError, ValueError) as exc:
                raise click.ClickException(f"cannot read the private key {path}: {exc}") from exc
            self._signer = Signer(self.party, key)
        return self._signer

    def _need(self, member: str) -> str:
        try:
            return self.profile.need(member)
        except ProfileError as exc:
            raise click.UsageError(str(exc)) from exc

    # --- transport ------------------------------------------------------------------------
    def client(self, token: str | None = None) -> LedgerClient:
        if self.transport is None:
            try:
                self.transport = http_transport(self._need("url"))
            except ValueError as exc:
                raise click.UsageError(f"the service URL: {exc}") from exc
        return LedgerClient(self.transport, token)

    def call(
        self,
        method: str,
        path: str,
        payload: JSONObject | None = None,
        *,
        auth: bool,
        retry: bool = True,
    ) -> JSONObject:
        """One request; a refusal becomes ``Refused``, a dead service a clear message. A saved
        token the service no longer accepts (revoked, expired) is replaced once."""
        token = self.token() if auth else None
        try:
            return self.client(token).request(method, path, payload)
        except LedgerHTTPError as exc:
            renew = auth and retry and exc.status == 401 and not self.dry_run
            if renew and self.profile.token is None:
                self._forget_token()
                return self.call(method, path, payload, auth=auth, retry=False)
            raise Refused(exc.problem, exc.status) from exc
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise click.ClickException(f"cannot reach {self.profile.url}: {exc}") from exc

    def read(self, path: str, *, public: bool = False) -> JSONObject:
        return self.call("GET", path, auth=not public)

    # --- tokens ---------------------------------------------------------------------------
    def token_file(self) -> Path:
        url = self._need("url").rstrip("/")
        tag = hashlib.sha256(f"{url} {self.party} {self.signer.key.key_id}".encode()).hexdigest()
        return state_home() / "tokens" / f"{self.party}-{tag[:16]}.json"

    def token(self) -> str:
        """A bearer token for reads: the profile's, a saved one still valid, or a new one."""
        if self._token:
            return self._token
        if self.profile.token:
            self._token = self.profile.token
            return self._token
        path = self.token_file()
        try:
            saved = json.loads(path.read_text())
            if parse_instant(saved["expires_at"]) > datetime.now(UTC):
                self._token = saved["bearer"]
                return self._token
        except (OSError, ValueError, KeyError, LedgerError):
            pass
        if self.dry_run:
            raise click.UsageError(
                "--dry-run writes nothing, but this command needs an API token: run "
                "`gold-ledger token issue --save` first, or give the lot head explicitly"
            )
        bearer, expires_at = self.issue_token(days=30, label="gold-ledger CLI")
        save_token(path, bearer, expires_at)
        self._token = bearer
        return bearer

    def issue_token(self, *, days: int, label: str | None) -> tuple[str, str]:
        try:
            bearer = self.client().issue_token(self.signer, days=days, label=label)
        except LedgerHTTPError as exc:
            raise Refused(exc.problem, exc.status) from exc
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise click.ClickException(f"cannot reach {self.profile.url}: {exc}") from exc
        # The token expires ``days`` after it was signed; keep it an hour less, to be safe.
        expires = datetime.now(UTC) + timedelta(days=days) - timedelta(hours=1)
        return bearer, format_instant(expires)

    def _forget_token(self) -> None:
        self._token = None
        self.token_file().unlink(missing_ok=True)

    # --- lots -----------------------------------------------------------------------------
    def lot(self, lot_id: str) -> JSONObject:
        lot: JSONObject = self.read(f"/api/v1/lots/{lot_id}")["lot"]
        return lot

    def head_of(self, lot_id: str) -> str:
        head: str = self.lot(lot_id)["head"]
        return head

    # --- writing --------------------------------------------------------------------------
    def state(
        self, type: str, body: JSONObject, private: JSONObject | None = None
    ) -> JSONObject | None:
        """Check ``body`` locally, sign it, then send it (or, with ``--dry-run``, print it)."""
        etype = REGISTRY[type]
        try:
            body = etype.body.check(body, "/body")
            if private is not None and etype.private is not None:
                etype.private.check(private, "/private")
        except LedgerError as exc:
            raise local_refusal(exc) from exc
        entry = self.signer.entry(type, body, private=private)
        if self.dry_run:
            output.emit_json(entry)
            return None
        record = self.call("POST", "/api/v1/entries", entry, auth=False)
        if self.as_json:
            output.emit_json(record)
        else:
            click.echo(output.describe_record(record))
        return record

    def show(self, document: object, human: str) -> None:
        """Print ``human``, or ``document`` as JSON under ``--json``."""
        if self.as_json:
            output.emit_json(document)
        else:
            click.echo(human)


def save_token(path: Path, bearer: str, expires_at: str) -> None:
    """Keep a bearer token for later reads, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump({"bearer": bearer, "expires_at": expires_at}, handle)


def pass_caller(function: Callable[Concatenate[Caller, P], R]) -> Callable[P, R]:
    """Give a command the invocation's ``Caller`` as its first argument."""
    return click.pass_obj(function)
