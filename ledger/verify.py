"""Verify a provenance bundle offline: ``python -m ledger.verify BUNDLE --key VERIFIER_KEY``.

A policy adds demands: ``--witness KEY`` (repeatable) with ``--witness-quorum K``, ``--lot ID``
and ``--max-age SECONDS``. Every key is the verifier's own copy, obtained out of band: the
bundle's ``verifier_key`` member is a convenience and is never trusted.

Prints a human summary (origin mines, claim, premium status, chain of custody) and exits 0, or
prints what failed and exits 1. Needs only this package, ``cryptography`` and ``rfc8785``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ledger import jsonlimits
from ledger.bundle import Provenance, verify_bundle
from ledger.checkpoint import CosignatureVerifier, parse_cosigner_key
from ledger.errors import LedgerError
from ledger.note import parse_note, parse_verifier_key
from ledger.premium_state import settled
from ledger.projections import JSONObject

CLAIMS = {
    "ecological": "Fairmined Ecological Gold",
    "fairmined": "Fairmined Gold",
    "none": "no Fairmined claim",
}


def summary(p: Provenance) -> str:
    """A human-readable account of a verified bundle."""
    lot = p.lot
    lines = [
        f"Lot {lot['id']}: {lot['metal']} {lot['form']}, {lot['gross_mg'] / 1000:.3f} g at "
        f"{lot['fineness'] / 10:.1f}/1000 ({lot['fine_mg'] / 1000:.3f} g fine)",
        f"Claim: {CLAIMS[lot['claim']]}"
        + (f", applied by {p.parties[lot['claimed_by']]['name']}" if lot["claimed_by"] else ""),
        "Origin mines:",
    ]
    lines += [f"  - {o['name']} ({o['country']})" for o in p.origins]
    lines += [f"  - site: {site}" for site in lot["origin_sites"]]
    status = "paid and confirmed" if p.premiums_settled else "NOT settled"
    lines.append(f"Fairmined premiums: {len(p.obligations)} owed to the mines, {status}")
    if p.credits:
        confirmed = all(settled(o) for o in p.credit_obligations)
        lines.append(
            f"Credits: {p.credits}; premium {'paid and confirmed' if confirmed else 'NOT settled'}"
        )
        lines += [f"  - {r['claim_text']}" for r in p.retirements]
    if p.incorporated:
        lines.append(f"Mass balance: {p.incorporated}")
    lines.append("Chain of custody:")
    for step in p.custody:
        actor = p.parties[step["actor"]]["name"]
        to = f" -> {p.parties[step['to']]['name']}" if step["to"] else ""
        lines.append(
            f"  {step['at']}  #{step['seq']:<7} {step['type']:<16} {actor}{to}"
            f"  [{', '.join(step['lots'])}]"
        )
    if p.findings:
        lines.append("Findings:")
        lines += [f"  #{f['seq']:<7} {f['code']:<20} {f['lot']}: {f['detail']}" for f in p.findings]
    witnesses = ", ".join(p.witnessed_by) or "none"
    lines.append(
        f"Integrity: {p.records} records verified against checkpoint of size "
        f"{p.checkpoint_size}; witnessed by: {witnesses}"
    )
    return "\n".join(lines)


def witness_keys(values: list[str]) -> list[CosignatureVerifier]:
    """Witness cosigner keys, each given as its text or as a file holding it."""
    keys = []
    for value in values:
        path = Path(value)
        text = path.read_text(encoding="utf-8") if "+" not in value and path.is_file() else value
        keys.append(parse_cosigner_key(text.strip()))
    return keys


def cosigned_at(note: str, witnesses: list[CosignatureVerifier]) -> dict[str, int]:
    """Witness name -> the timestamp of its cosignature line (the note is already verified)."""
    _, signatures = parse_note(note)
    known = {(w.name, w.key_hash) for w in witnesses}
    return {
        s.name: int.from_bytes(s.signature[:8], "big")
        for s in signatures
        if (s.name, s.key_hash) in known
    }


def check_policy(
    bundle: JSONObject,
    provenance: Provenance,
    witnesses: list[CosignatureVerifier],
    *,
    quorum: int,
    lot: str | None,
    max_age: int | None,
    now: float | None = None,
) -> None:
    """Refuse (``policy-not-met``) a verified bundle that misses the verifier's policy: fewer
    than ``quorum`` of the given witnesses, another lot than ``lot``, or no cosignature newer
    than ``max_age`` seconds (only witnesses' cosignatures carry a time)."""
    if lot is not None and provenance.lot["id"] != lot:
        raise LedgerError(
            "policy-not-met", f"the bundle proves lot {provenance.lot['id']}, not {lot}"
        )
    names = [w.name for w in witnesses]
    missing = [n for n in names if n not in provenance.witnessed_by]
    if len(names) - len(missing) < quorum:
        raise LedgerError(
            "policy-not-met",
            f"{len(names) - len(missing)} of the {quorum} witness cosignatures required "
            f"(missing: {', '.join(missing) or 'none'})",
        )
    if max_age is not None:
        times = cosigned_at(bundle["checkpoint"], witnesses).values()
        newest = max(times, default=None)
        current = time.time() if now is None else now
        if newest is None or current - newest > max_age:
            raise LedgerError(
                "policy-not-met",
                f"no witness cosigned the checkpoint within the last {max_age} s",
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ledger.verify", description=__doc__)
    parser.add_argument("bundle", type=Path, help="the provenance bundle (JSON)")
    parser.add_argument(
        "--key",
        required=True,
        help="the operator's verifier key (name+hash+base64), obtained out of band",
    )
    parser.add_argument(
        "--witness",
        action="append",
        default=[],
        help="a witness's cosigner key (name+hash+base64, or a file holding it), obtained out "
        "of band; repeatable. Each is required unless --witness-quorum says fewer",
    )
    parser.add_argument(
        "--witness-quorum",
        type=int,
        default=None,
        help="how many of the --witness keys must have cosigned (default: all of them)",
    )
    parser.add_argument("--lot", help="fail unless the bundle proves exactly this lot id")
    parser.add_argument(
        "--max-age",
        type=int,
        default=None,
        metavar="SECONDS",
        help="fail unless a given witness cosigned the checkpoint within SECONDS",
    )
    args = parser.parse_args(argv)
    try:
        operator = parse_verifier_key(args.key.strip())
        witnesses = witness_keys(args.witness)
        quorum = len(witnesses) if args.witness_quorum is None else args.witness_quorum
        if not 0 <= quorum <= len(witnesses):
            raise LedgerError("policy-not-met", "--witness-quorum exceeds the witnesses given")
        bundle = jsonlimits.loads(args.bundle.read_text(encoding="utf-8"))
        provenance = verify_bundle(bundle, operator, witnesses)
        check_policy(
            bundle, provenance, witnesses, quorum=quorum, lot=args.lot, max_age=args.max_age
        )
    except (OSError, ValueError) as exc:
        print(f"FAILED: cannot read the bundle: {exc}", file=sys.stderr)
        return 1
    except LedgerError as exc:
        print(f"FAILED: {exc.code}: {exc.detail}", file=sys.stderr)
        return 1
    print(summary(provenance))
    print(provenance.status.upper())
    return 0


if __name__ == "__main__":
    sys.exit(main())
