"""The typed projections (``ledger.projections``) state the members the rules really write.

mypy holds the rules to the ``TypedDict``\\s; this holds the ``TypedDict``\\s to the stored
objects: after journeys through every kind of lot statement, each lot, premium obligation,
party, key and certificate carries every required member and no undeclared one.
"""

from __future__ import annotations

from typing import Any

from ledger_book import Book
from supply_steps import deposit, draw, opened, retirement, settled_credits

from ledger import projections
from ledger.state import MemoryStore

KINDS: dict[str, Any] = {
    "lot": projections.Lot,
    "obligation": projections.Obligation,
    "party": projections.Party,
    "key": projections.Key,
    "certificate": projections.Certificate,
}
NESTED = {  # (kind, member) -> the TypedDict of the member's value, or of each of its items
    ("lot", "weighing"): projections.Weighing,
    ("lot", "dispute"): projections.Dispute,
    ("lot", "assays"): projections.Assay,
    ("lot", "corrections"): projections.Correction,
    ("lot", "reconciliations"): projections.Reconciliation,
    ("lot", "releases"): projections.Release,
    ("lot", "mass_balance_draws"): projections.MassBalanceDraw,
    ("lot", "production"): projections.Period,
    ("lot", "processing"): projections.Processing,
    ("obligation", "payments"): projections.Payment,
    ("obligation", "confirmations"): projections.Confirmation,
    ("certificate", "history"): projections.CertificateChange,
}


def _problems(typed: Any, value: dict, where: str) -> list[str]:
    members = set(value)
    missing = typed.__required_keys__ - members
    undeclared = members - typed.__required_keys__ - typed.__optional_keys__
    found = [f"{where} lacks {sorted(missing)}"] if missing else []
    return found + ([f"{where} has undeclared {sorted(undeclared)}"] if undeclared else [])


def _check(store: MemoryStore) -> tuple[list[str], set[str]]:
    problems, seen = [], set()
    for kind, typed in KINDS.items():
        for key, value in store.objects[kind].items():
            problems += _problems(typed, value, f"{kind} {key}")
            seen.update(f"{kind}.{member}" for member in value)
            for (nested_kind, member), inner in NESTED.items():
                found = value.get(member) if nested_kind == kind else None
                for item in found if isinstance(found, list) else [found] if found else []:
                    problems += _problems(inner, item, f"{kind} {key} {member}")
    return problems, seen


def _journeys(book: Book) -> None:
    """Lots through every kind of statement, credits and a mass-balance account."""
    book.at("jeweller", "LOT-1")
    book.state("jeweller", "lot.alloyed", book.alloying("LOT-1", 120_000, 7_500))
    book.state("jeweller", "lot.claimed", book.claiming("RING-1"))
    book.state("jeweller", "lot.published", {"lot_id": "RING-1"})
    body = {"lot_id": "RING-1", "lot_head": book.head("RING-1"), "reason": "sold_to_consumer"}
    book.state("jeweller", "lot.retired", body)
    book.disputed("LOT-2")
    book.state(
        "refiner",
        "lot.weight_reconciled",
        book.reconciliation("LOT-2", "refiner", "fab", 100_000),
    )
    book.delivered("LOT-3")
    book.state("fab", "lot.assayed", book.assay("LOT-3", 9_100, "settlement"))
    book.settled("LOT-4")
    book.state("fab", "lot.split", book.split("LOT-4", [50_000, 50_000]))
    book.at("refiner", "LOT-5")
    book.state("refiner", "lot.refined", book.refining(["LOT-5"], 90_000))
    book.registered("LOT-6")
    weighed = book.lot("LOT-6")["weighing"]["seq"]
    book.state("mine", "lot.corrected", book.correction("LOT-6", weighed, 90_000))
    book.at("trader", "LOT-7")
    opened(book, "trader")
    book.state("trader", "mass_balance.deposited", deposit(book, "LOT-7"))
    book.at("trader", "LOT-8")
    drawn = {**draw(10_000), "lot_id": "LOT-8", "lot_head": book.head("LOT-8")}
    book.state("trader", "mass_balance.drawn", drawn)
    settled_credits(book)
    book.at("jeweller", "LOT-9")
    named = retirement(lot_id="LOT-9", lot_head=book.head("LOT-9"))
    book.state("jeweller", "credits.retired", named)
    book.at("refiner", "LOT-10")
    book.revoke("refiner", "supplier")
    book.state("arm", "lot.released", book.release("LOT-10", "jeweller"))
    book.state("cert", "certificate.suspended", {"certificate_id": "FM-PLAIN"})


def test_stored_projections_match_their_typeddicts():
    book = Book()
    _journeys(book)
    problems, seen = _check(book.store)
    assert problems == []
    # The journeys reach the optional members, so an undeclared one would show above.
    optional = {f"lot.{member}" for member in projections.Lot.__optional_keys__}
    assert sorted(optional - seen) == []
