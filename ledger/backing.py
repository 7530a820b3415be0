"""What a lot's claim rests on besides its physical ancestry: Fairmined Credits retired for it
and fine metal drawn for it from a mass-balance account (Incorporated).

Both are read from the replayed state of a bundle, so the statements below are re-run offline:
a retirement replays only if its credits were issued, paid for and confirmed, and held by the
party retiring them; a draw replays only if the account held the metal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ledger.projections import JSONObject, Lot, MassBalanceDraw, Party
from ledger.state import MemoryStore


def retirements(store: MemoryStore, lots: Iterable[Lot]) -> list[JSONObject]:
    """The credit retirements naming any of ``lots``, in ledger order."""
    found = {r for lot in lots for r in lot.get("credit_retirements", [])}
    return sorted((store.get("retirement", r) for r in found), key=lambda r: r["seq"])


def draws(lots: Iterable[Lot]) -> list[MassBalanceDraw]:
    """The mass-balance draws naming any of ``lots``, in ledger order."""
    return sorted((d for lot in lots for d in lot.get("mass_balance_draws", [])), key=_seq)


def _seq(item: MassBalanceDraw) -> int:
    return item["seq"]


def _names(mines: Iterable[str], parties: Mapping[str, Party]) -> str:
    names = [parties.get(m, {"name": m})["name"] for m in sorted(set(mines))]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def credit_statement(retired: list[JSONObject], parties: Mapping[str, Party]) -> str | None:
    """``backed by N Fairmined Credits from mines X, Y`` (None without credits)."""
    if not retired:
        return None
    count = sum(r["credits"] for r in retired)
    mines = [r["asmo"] for r in retired]
    noun = "mine" if len(set(mines)) == 1 else "mines"
    plural = "s" if count != 1 else ""
    return f"backed by {count} Fairmined Credit{plural} from {noun} {_names(mines, parties)}"


def mass_balance_statement(
    drawn: list[MassBalanceDraw], parties: Mapping[str, Party]
) -> str | None:
    """``contains N g of Fairmined metal by mass balance from mines X, Y`` (None without)."""
    if not drawn:
        return None
    fine = sum(d["fine_mg"] for d in drawn)
    mines = [m for d in drawn for m in d["origin_fine"]]
    noun = "mine" if len(set(mines)) == 1 else "mines"
    grams = f"{fine // 1000:,}.{fine % 1000:03d} g"
    return (
        f"Fairmined Incorporated: {grams} fine metal drawn by mass balance from accounts "
        f"supplied by {noun} {_names(mines, parties)}"
    )
