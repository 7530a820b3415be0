"""Verify a provenance bundle offline: ``python -m ledger.verify BUNDLE --key VERIFIER_KEY``.

Prints a human summary (origin mines, claim, premium status, chain of custody) and exits 0, or
prints what failed and exits 1. Needs only this package, ``cryptography`` and ``rfc8785``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ledger.bundle import Provenance, verify_bundle
from ledger.checkpoint import parse_cosigner_key
from ledger.errors import LedgerError
from ledger.note import parse_verifier_key

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
        settled = all(o["confirmed"] >= o["due"] for o in p.credit_obligations)
        lines.append(
            f"Credits: {p.credits}; premium {'paid and confirmed' if settled else 'NOT settled'}"
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
        help="a witness cosigner key to check (repeatable)",
    )
    args = parser.parse_args(argv)
    try:
        operator = parse_verifier_key(args.key.strip())
        witnesses = [parse_cosigner_key(w.strip()) for w in args.witness]
        bundle = json.loads(args.bundle.read_text(encoding="utf-8"))
        provenance = verify_bundle(bundle, operator, witnesses)
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
