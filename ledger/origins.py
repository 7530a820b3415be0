"""Per-origin accounting of labelled fine metal, exact in integer milligrams.

Every lot carries ``origin_fine``: the labelled fine metal in it attributable to each origin
mine. It is set when a mine registers labelled metal, shared out when lots are split, merged,
refined or alloyed, and can only shrink afterwards, except by a settlement assay that raises
the mine's premium obligation by the same fine mass. So for each mine, the labelled fine metal
downstream never exceeds the fine metal it sold with its premium owed.
"""

from __future__ import annotations

from ledger.fairmined import LABELLED
from ledger.projections import Lot


def labelled_fine(lot: Lot) -> int:
    """The labelled fine metal in ``lot``, mg (0 for unlabelled metal)."""
    if lot["claim"] not in LABELLED:
        return 0
    return sum(lot["origin_fine"].values())


def combined(lots: list[Lot]) -> dict[str, int]:
    """The origin shares of ``lots`` added up."""
    total: dict[str, int] = {}
    for lot in lots:
        for mine, mg in lot["origin_fine"].items():
            total[mine] = total.get(mine, 0) + mg
    return total


def scaled(origin: dict[str, int], numerator: int, denominator: int) -> dict[str, int]:
    """Each share times ``numerator / denominator``, rounded down (never more than before)."""
    if numerator >= denominator:
        return dict(origin)
    return {mine: mg * numerator // denominator for mine, mg in origin.items()}


def apportion(origin: dict[str, int], capacities: list[int]) -> list[dict[str, int]]:
    """Share ``origin`` out over lots holding ``capacities`` mg of fine metal.

    Each lot gets each mine's share in proportion to its capacity (rounded down); remainders go
    to the first lots with room left. No lot receives more than its capacity and no mine more
    than its share; when the capacities add up to at least the total, every mg is placed.
    """
    total = sum(capacities)
    parts: list[dict[str, int]] = [{} for _ in capacities]
    room = list(capacities)
    for mine, mg in sorted(origin.items()):
        placed = 0
        for n, capacity in enumerate(capacities):
            share = min(mg * capacity // total if total else 0, room[n])
            parts[n][mine] = share
            room[n] -= share
            placed += share
        for n in range(len(capacities)):
            extra = min(mg - placed, room[n])
            parts[n][mine] += extra
            room[n] -= extra
            placed += extra
    return [{mine: mg for mine, mg in part.items() if mg} for part in parts]


def shrink_to(lot: Lot, fine: int) -> None:
    """Lower the lot's fine metal to ``fine`` mg if it holds more; origin shares shrink to fit."""
    held = sum(lot["origin_fine"].values())
    lot["fine_mg"] = min(lot["fine_mg"], fine)
    if held > lot["fine_mg"]:
        shares = scaled(lot["origin_fine"], lot["fine_mg"], held)
        lot["origin_fine"] = {mine: mg for mine, mg in shares.items() if mg}
