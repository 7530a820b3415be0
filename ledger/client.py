"""A small client for parties: sign entries with your own key and submit them over HTTP.

Only the standard library is used for HTTP, so the client works wherever ``ledger`` does.
Tests and scripts may pass another ``transport`` (any callable ``(method, path, json) ->
(status, json)``), e.g. one built on Flask's test client.

From the shell, a party issues itself an API token (signed with its key, client-side):
``python -m ledger.client token --url http://127.0.0.1:8000 --party arm --key arm.pem``.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from ledger.keys import PrivateKey
from ledger.projections import JSONObject
from ledger.signer import Signer as Signer  # parties import it from here too
from ledger.timefmt import format_instant
from ledger.types.access import new_token, secret_hash

Transport = Callable[[str, str, JSONObject | None, dict[str, str]], tuple[int, JSONObject]]


class LedgerHTTPError(Exception):
    """The service refused a request; ``problem`` is its problem+json document."""

    def __init__(self, status: int, problem: JSONObject):
        super().__init__(f"{status} {problem.get('code')}: {problem.get('detail')}")
        self.status = status
        self.problem = problem

    @property
    def code(self) -> str | None:
        return self.problem.get("code")


def http_transport(base_url: str, timeout: float = 30.0) -> Transport:
    """A transport that speaks HTTP to ``base_url`` (e.g. ``http://127.0.0.1:8000``)."""
    if not base_url.startswith(("http://", "https://")):
        raise ValueError("base_url must be an http(s) URL")

    def send(
        method: str, path: str, payload: JSONObject | None, headers: dict[str, str]
    ) -> tuple[int, Any]:
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(  # noqa: S310 (scheme checked above)
            base_url.rstrip("/") + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json", "Accept": "application/json", **headers},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")

    return send


class LedgerClient:
    """Submit signed entries and read the ledger (with an API token for non-public reads)."""

    def __init__(self, transport: Transport, token: str | None = None):
        self.transport = transport
        self.token = token

    def request(self, method: str, path: str, payload: JSONObject | None = None) -> JSONObject:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        status, document = self.transport(method, path, payload, headers)
        if status >= 400:
            raise LedgerHTTPError(status, document if isinstance(document, dict) else {})
        return document

    def submit(self, entry: JSONObject) -> JSONObject:
        """POST a signed entry; returns the appended record (or the original, on a resend)."""
        return self.request("POST", "/api/v1/entries", entry)

    def state(self, signer: Signer, type: str, body: JSONObject, **kwargs: Any) -> JSONObject:
        """Sign ``body`` as ``signer`` and submit it."""
        return self.submit(signer.entry(type, body, **kwargs))

    def issue_token(self, signer: Signer, *, days: int = 30, label: str | None = None) -> str:
        """Issue ``signer`` an API token (only its hash goes to the ledger); returns the bearer."""
        token_id, secret, bearer = new_token()
        expires = datetime.now(UTC) + timedelta(days=days)
        body = {
            "token_id": token_id,
            "secret_hash": secret_hash(secret),
            "expires_at": format_instant(expires),
        }
        if label:
            body["label"] = label
        self.state(signer, "token.issued", body)
        return bearer

    def head(self) -> JSONObject:
        return self.request("GET", "/api/v1/log/head")

    def record(self, seq: int) -> JSONObject:
        return self.request("GET", f"/api/v1/log/{seq}")


def main(argv: list[str] | None = None) -> int:
    """``token``: issue the party an API token and print the bearer."""
    parser = argparse.ArgumentParser(prog="python -m ledger.client")
    commands = parser.add_subparsers(dest="command", required=True)
    token = commands.add_parser("token", help="issue yourself an API token")
    token.add_argument("--url", required=True, help="the service, e.g. http://127.0.0.1:8000")
    token.add_argument("--party", required=True, help="your party id")
    token.add_argument("--key", required=True, help="your private key (PKCS#8 PEM file)")
    token.add_argument("--days", type=int, default=30, help="lifetime (at most 366)")
    args = parser.parse_args(argv)
    with open(args.key, "rb") as handle:
        signer = Signer(args.party, PrivateKey.from_pem(handle.read()))
    try:
        print(LedgerClient(http_transport(args.url)).issue_token(signer, days=args.days))
    except LedgerHTTPError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
