"""A lot's ancestry: the lots its metal comes from, walked one way for bundles, pages and EPCIS.

The walk follows a lot's sources: by default its ``parents`` (the lots it was split, merged,
refined or alloyed from), back to the mines. A bundle also follows what backs a lot besides its
metal (``parents_and_backing``): the lot each retired credit batch was issued against, and each
lot deposited into a mass-balance account the lot drew from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, overload

from ledger.projections import Lot, Obligation
from ledger.state import Reader

Sources = Callable[[Lot], list[str]]


def parents(lot: Lot) -> list[str]:
    """The lots ``lot`` was made from."""
    return list(lot["parents"])


def ancestry(store: Reader, lot: Lot, sources: Sources = parents) -> list[Lot]:
    """``lot`` and every lot reached from it through ``sources``, each read once, by id."""
    found, todo = {lot["id"]: lot}, sources(lot)
    while todo:
        lot_id = todo.pop()
        if lot_id not in found:
            found[lot_id] = required(store, "lot", lot_id)
            todo.extend(sources(found[lot_id]))
    return [found[key] for key in sorted(found)]


def parents_and_backing(store: Reader) -> Sources:
    """Sources that add, to a lot's parents, the lot behind each credit batch retired for it and
    every lot deposited into each mass-balance account it drew from."""

    def sources(lot: Lot) -> list[str]:
        found = parents(lot)
        for retirement_id in lot.get("credit_retirements", []):
            retirement = required(store, "retirement", retirement_id)
            found.append(required(store, "credit_batch", retirement["batch"])["lot"])
        for draw in lot.get("mass_balance_draws", []):
            account = required(store, "mb_account", draw["account"])
            found.extend(e["lot"] for e in account["events"] if e["kind"] == "deposit")
        return found

    return sources


@overload
def required(store: Reader, kind: Literal["lot"], key: str) -> Lot: ...
@overload
def required(store: Reader, kind: Literal["obligation"], key: str) -> Obligation: ...
@overload
def required(store: Reader, kind: str, key: str) -> Any: ...
def required(store: Reader, kind: str, key: str) -> Any:
    """The object a projection refers to, which exists (``KeyError`` otherwise)."""
    found = store.get(kind, key)
    if found is None:
        raise KeyError(f"no {kind} {key!r}")
    return found
