"""A witness of the log, run by a party on its own machine with its own key and state.

Each round it fetches the latest signed checkpoint, checks the operator's signature (verifier
key given out of band), proves the new tree extends the last one it cosigned (a consistency
proof from the service, checked here), cosigns with its own C2SP cosignature/v1 key and posts
the cosignature. The last cosigned checkpoint is persisted locally before the cosignature
leaves the machine; a checkpoint that does not extend it (a fork, a shrinking tree, a second
root for one size) is refused and never cosigned, so a split view of the log shows up as a
witness that stops cosigning.

The witness key is its own (never an entry-signing key; the ledger refuses a reused key) and
is named by a schema-less URL, as the C2SP cosignature spec recommends. Register it once with
a ``witness.registered`` entry signed by the party (``register``), then run the witness:

    python -m ledger.witness keygen --name witness.arm.example/gold-ledger --out witness.pem
    python -m ledger.witness register --url URL --party arm --party-key arm.pem \\
        --name witness.arm.example/gold-ledger --key witness.pem
    python -m ledger.witness run --url URL --name witness.arm.example/gold-ledger \\
        --key witness.pem --operator-key "$(cat operator.key)" --state witness.json [--every 60]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ledger.checkpoint import Checkpoint, cosign, cosigner_key, open_checkpoint
from ledger.client import LedgerClient, LedgerHTTPError, Signer, http_transport
from ledger.errors import LedgerError
from ledger.keys import PrivateKey, b64decode, b64encode
from ledger.note import SIGNATURE_PREFIX, Verifier, parse_note, parse_verifier_key

# (method, path, text body or None) -> (status, response text)
TextTransport = Callable[[str, str, str | None], tuple[int, str]]


def http_text_transport(base_url: str, timeout: float = 30.0) -> TextTransport:
    """Plain-text HTTP to the service at ``base_url``."""
    if not base_url.startswith(("http://", "https://")):
        raise ValueError("the URL must be http(s)")

    def send(method: str, path: str, body: str | None) -> tuple[int, str]:
        request = urllib.request.Request(  # noqa: S310 (scheme checked above)
            base_url.rstrip("/") + path,
            data=body.encode() if body is not None else None,
            method=method,
            headers={"Content-Type": "text/plain; charset=utf-8"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace")

    return send


class WitnessError(Exception):
    """The witness refused to cosign, or the service refused its cosignature."""


@dataclass(frozen=True)
class Round:
    """What one round did: ``cosigned``, ``unchanged`` (already cosigned this tree)."""

    outcome: str
    size: int


def load_state(path: Path) -> Checkpoint | None:
    """The last checkpoint this witness cosigned, or None before the first."""
    if not path.exists():
        return None
    saved = json.loads(path.read_text(encoding="utf-8"))
    return Checkpoint(saved["origin"], saved["size"], b64decode(saved["root"], length=32))


def save_state(path: Path, checkpoint: Checkpoint) -> None:
    """Persist ``checkpoint`` atomically (write, fsync, rename), readable by the owner only."""
    text = json.dumps(
        {"origin": checkpoint.origin, "size": checkpoint.size, "root": b64encode(checkpoint.root)}
    )
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def _get(transport: TextTransport, path: str) -> str:
    status, text = transport("GET", path, None)
    if status != 200:
        raise WitnessError(f"GET {path}: HTTP {status}: {text[:300]}")
    return text


def witness_once(
    transport: TextTransport,
    state: Path,
    name: str,
    key: PrivateKey,
    operator: Verifier,
) -> Round:
    """One round: fetch, check against the saved checkpoint, cosign, save, post."""
    note = _get(transport, "/api/v1/checkpoint")
    checkpoint, _ = open_checkpoint(note, operator)
    previous = load_state(state)
    proof: list[bytes] = []
    if previous is not None and 0 < previous.size < checkpoint.size:
        document = json.loads(
            _get(
                transport,
                f"/api/v1/proofs/consistency?from={previous.size}&to={checkpoint.size}",
            )
        )
        proof = [b64decode(h, length=32, what="proof hash") for h in document["proof"]]
    try:
        cosigned = cosign(note, previous, proof, name, key, operator)
    except LedgerError as exc:
        raise WitnessError(f"refusing to cosign: {exc.code}: {exc.detail}") from exc
    if previous is None or checkpoint.size > previous.size:
        save_state(state, checkpoint)
    status, text = transport(
        "POST", f"/api/v1/checkpoints/{checkpoint.size}/cosignatures", own_lines(cosigned, name)
    )
    if status != 200:
        raise WitnessError(f"the service refused the cosignature: HTTP {status}: {text[:300]}")
    unchanged = previous is not None and previous.size == checkpoint.size
    return Round("unchanged" if unchanged else "cosigned", checkpoint.size)


def own_lines(note: str, name: str) -> str:
    """The note with only the operator's signature (the first) and this witness's line, so a
    post never carries other witnesses' lines (which may since have been retired)."""
    text, signatures = parse_note(note)
    keep = [signatures[0], *(s for s in signatures[1:] if s.name == name)]
    lines = "".join(
        f"{SIGNATURE_PREFIX}{s.name} {b64encode(s.key_hash + s.signature)}\n" for s in keep
    )
    return text + "\n" + lines


def _read_key(path: str) -> PrivateKey:
    return PrivateKey.from_pem(Path(path).read_bytes())


def _keygen(args: argparse.Namespace) -> int:
    key = PrivateKey.generate()
    descriptor = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key.to_pem())
    print(cosigner_key(args.name, key.public.raw))
    return 0


def _register(args: argparse.Namespace) -> int:
    signer = Signer(args.party, _read_key(args.party_key))
    verifier_key = cosigner_key(args.name, _read_key(args.key).public.raw)
    client = LedgerClient(http_transport(args.url))
    try:
        client.state(
            signer, "witness.registered", {"party_id": args.party, "verifier_key": verifier_key}
        )
    except LedgerHTTPError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 1
    print(verifier_key)
    return 0


def _run(args: argparse.Namespace) -> int:
    key = _read_key(args.key)
    operator = parse_verifier_key(args.operator_key.strip())
    transport = http_text_transport(args.url)
    while True:
        try:
            done = witness_once(transport, Path(args.state), args.name, key, operator)
            print(f"{done.outcome}: checkpoint of size {done.size}", flush=True)
        except (WitnessError, LedgerError, OSError, ValueError) as exc:
            print(f"FAILED: {exc}", file=sys.stderr, flush=True)
            if not args.every:
                return 1
        if not args.every:
            return 0
        time.sleep(args.every)


def main(argv: list[str] | None = None, prog: str = "python -m ledger.witness") -> int:
    """``keygen``, ``register`` and ``run`` (see the module's documentation)."""
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    keygen = commands.add_parser("keygen", help="create a witness key; print its verifier key")
    keygen.add_argument("--name", required=True, help="witness name, e.g. witness.example/w1")
    keygen.add_argument("--out", required=True, help="new PEM file (mode 0600)")
    register = commands.add_parser("register", help="state witness.registered as your party")
    register.add_argument("--url", required=True)
    register.add_argument("--party", required=True, help="your party id")
    register.add_argument("--party-key", required=True, help="your entry-signing key (PEM)")
    register.add_argument("--name", required=True)
    register.add_argument("--key", required=True, help="the witness key (PEM)")
    run = commands.add_parser("run", help="cosign the latest checkpoint (once, or every N s)")
    run.add_argument("--url", required=True)
    run.add_argument("--name", required=True)
    run.add_argument("--key", required=True, help="the witness key (PEM)")
    run.add_argument("--operator-key", required=True, help="operator verifier key, out of band")
    run.add_argument("--state", required=True, help="file holding the last cosigned checkpoint")
    run.add_argument("--every", type=int, default=0, help="repeat every N seconds")
    args = parser.parse_args(argv)
    return {"keygen": _keygen, "register": _register, "run": _run}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
