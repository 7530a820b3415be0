"""The ways an auditor would try to mint labelled gold, each refused (or flagged and held).

Each test plays one path end to end on the pure core and checks, besides the refusal, that the
labelled fine metal downstream of each mine stays within what it sold with a premium owed.
"""

from __future__ import annotations

from collections import Counter

import pytest
from ledger_book import MERCURY, Book

from ledger.cosign import cosign
from ledger.errors import LedgerError
from ledger.origins import labelled_fine


def refused(book: Book, code: str, party: str, type: str, body: dict, private=None) -> None:
    with pytest.raises(LedgerError) as refusal:
        book.state(party, type, body, private)
    assert refusal.value.code == code, refusal.value


def assert_within_sales(book: Book) -> None:
    sold, downstream = Counter(), Counter()
    for obligation in book.store.objects["obligation"].values():
        sold[obligation["asmo"]] += obligation["fine_mg"]
    for lot in book.store.objects["lot"].values():
        if lot["status"] != "consumed" and lot["first_sale"] != "pending":
            downstream.update(lot["origin_fine"] if labelled_fine(lot) else {})
    assert all(downstream[mine] <= sold[mine] for mine in downstream), (downstream, sold)


@pytest.fixture
def book() -> Book:
    """With ``mine-all``: a certified mine that also holds every supply-chain role, authorised
    as each."""
    book = Book()
    book.register("mine-all", ["asmo", "first_buyer", "licensee", "supplier"], ["mining"])
    book.certify("FM-ALL", "mine-all", ecological=True)
    for role in ("first_buyer", "licensee", "supplier"):
        book.authorise("mine-all", role)
    return book


def test_a_mine_with_every_role_cannot_skip_its_first_sale(book):
    book.registered("LOT-1", "mine-all")
    parts = book.split("LOT-1", [40_000, 60_000])
    book.state("mine-all", "lot.split", parts)
    for part in ("PART-0", "PART-1"):  # still the mine's, still awaiting the first sale
        assert book.lot(part)["first_sale"] == "pending"
        refused(book, "sale-required", "mine-all", "lot.shipped", book.shipment(part, "trader"))
        refused(book, "sale-required", "mine-all", "lot.claimed", book.claiming(part))
        retired = {"lot_id": part, "lot_head": book.head(part), "reason": "sold_to_consumer"}
        refused(book, "sale-required", "mine-all", "lot.retired", retired)
    sale, private = book.sale("PART-0", buyer="fab")  # selling a part is its first sale
    sold = book.state("mine-all", "lot.sold", sale, private)
    assert book.store.get("obligation", f"PRM-{sold.record.seq}")["fine_mg"] == 36_000
    merge = {
        "inputs": book.inputs("PART-1"),
        "output": {"lot_id": "MRG-1", "form": "grain"},
    }
    book.registered("LOT-2", "mine-all")
    merge["inputs"] += book.inputs("LOT-2")
    book.state("mine-all", "lot.merged", merge)  # its own pending metal merges, still pending
    assert book.lot("MRG-1")["first_sale"] == "pending"
    obligation = book.sold("MRG-1")  # the first sale of the merged metal owes the premium
    assert book.store.get("obligation", obligation)["fine_mg"] == 54_000 + 90_000
    assert_within_sales(book)


def test_pending_metal_is_not_mixed_with_other_metal(book):
    book.registered("LOT-1", "mine-all")
    book.registered("GRN-1", "trader", claim="none", processing=MERCURY)
    book.shipped("GRN-1", "mine-all")
    book.received("GRN-1")
    merge = {
        "inputs": book.inputs("LOT-1", "GRN-1"),
        "output": {"lot_id": "MRG-1", "form": "grain"},
    }
    refused(book, "sale-required", "mine-all", "lot.merged", merge)


def test_receipts_weighed_heavy_add_no_metal_and_hold_the_lot(book):
    book.settled("LOT-1")
    book.shipped("LOT-1", "refiner")
    before = labelled_fine(book.lot("LOT-1"))
    book.received("LOT-1", 150_000)
    assert labelled_fine(book.lot("LOT-1")) == before
    refused(book, "weight-dispute", "refiner", "lot.shipped", book.shipment("LOT-1", "jeweller"))
    agreed = book.reconciliation("LOT-1", "arm", None, 150_000)  # even ARM adds no metal
    book.state("arm", "lot.weight_reconciled", agreed)
    assert labelled_fine(book.lot("LOT-1")) == before
    assert_within_sales(book)


def test_final_assays_never_raise_fine_metal_the_settlement_assay_owes_its_premium(book):
    obligation = book.delivered("LOT-1")
    book.state("fab", "lot.assayed", book.assay("LOT-1", 9_900, "final"))
    assert book.lot("LOT-1")["fine_mg"] == 90_000  # as sold
    book.state("fab", "lot.assayed", book.assay("LOT-1", 9_900, "settlement"))
    lot = book.lot("LOT-1")
    (top_up,) = (book.store.get("obligation", o) for o in lot["obligations"] if o != obligation)
    assert (lot["fine_mg"], top_up["kind"], top_up["fine_mg"]) == (99_000, "top-up", 9_000)
    refused(
        book, "settlement-not-open", "fab", "lot.assayed", book.assay("LOT-1", 9_990, "settlement")
    )
    book.state("fab", "premium.paid", book.payment(obligation))
    book.state("mine", "premium.confirmed", book.confirmation(obligation))
    refused(book, "premium-unsettled", "fab", "lot.shipped", book.shipment("LOT-1", "refiner"))
    assert_within_sales(book)


def test_corrections_after_the_sale_only_lower_the_metal(book):
    book.delivered("LOT-1")
    receipt = book.lot("LOT-1")["weighing"]["seq"]
    book.state("fab", "lot.corrected", book.correction("LOT-1", receipt, 1_000_000))
    assert book.lot("LOT-1")["fine_mg"] == 90_000  # ten times the mass, not one mg more metal
    assert_within_sales(book)


def test_a_claimed_lot_and_its_parts_are_not_claimed_again(book):
    book.at("jeweller", "LOT-1")
    book.state("jeweller", "lot.claimed", book.claiming("LOT-1"))
    book.state("jeweller", "lot.split", book.split("LOT-1", [50_000, 50_000]))
    book.state("jeweller", "lot.alloyed", book.alloying("PART-0", 60_000, 7_500))
    refused(book, "already-claimed", "jeweller", "lot.claimed", book.claiming("PART-1"))
    refused(book, "already-claimed", "jeweller", "lot.claimed", book.claiming("RING-1"))
    (claim,) = book.store.objects["claim"].values()
    assert claim["fine_mg"] == 90_000


def test_a_revoked_party_moves_no_labelled_stock_until_released(book):
    book.at("trader", "LOT-1")
    book.revoke("trader", "supplier")
    refused(book, "not-authorised", "trader", "lot.shipped", book.shipment("LOT-1", "refiner"))
    refused(
        book,
        "not-authorised",
        "trader",
        "lot.retired",
        {"lot_id": "LOT-1", "lot_head": book.head("LOT-1"), "reason": "sold_to_consumer"},
    )
    refused(
        book, "recipient-not-authorised", "arm", "lot.released", book.release("LOT-1", "fab-unauth")
    )
    book.state("arm", "lot.released", book.release("LOT-1", "refiner"))
    assert book.lot("LOT-1")["holder"] == "refiner"


def test_one_tonne_from_one_artisanal_mine_is_impossible(book):
    # The most any certificate can state: 1,000 miners at 500 g fine each, 500 kg a year.
    body = {"certificate_id": "FM-MAX", "party_id": "mine-nocert", "metals": ["gold"]}
    body.update(ecological=False, valid_from="2020-01-01", valid_to="2099-12-31", miners=1_000)
    book.state("cert", "certificate.issued", {**body, "capacity_fine_mg_per_year": 500_000_000})
    tonne = book.registration("DORE-1T", "mine-nocert", claim="fairmined", processing=MERCURY)
    tonne.update(gross_mg=1_000_000_000, fineness=6_000)
    refused(book, "capacity-exceeded", "mine-nocert", "lot.registered", tonne)
    refused(
        book,
        "invalid-entry",
        "cert",
        "certificate.issued",
        {**body, "certificate_id": "FM-MORE", "miners": 1_001},
    )


def test_a_correction_after_the_lot_moved_on_needs_the_holders_cosignature(book):
    book.at("refiner", "LOT-1")
    receipt = book.lot("LOT-1")["weighing"]["seq"]
    book.revoke("refiner", "supplier")
    book.state("arm", "lot.released", book.release("LOT-1", "jeweller"))
    book.authorise("refiner", "supplier")
    body = book.correction("LOT-1", receipt, 99_000)
    refused(book, "cosignature-required", "refiner", "lot.corrected", body)
    key = book.signers["jeweller"].key
    cosigned = cosign(key, "jeweller", "lot.corrected", "refiner", body)
    book.state("refiner", "lot.corrected", cosigned)
    lot = book.lot("LOT-1")
    assert (lot["gross_mg"], lot["fine_mg"], lot["holder"]) == (99_000, 89_100, "jeweller")
    assert [c["corrects_seq"] for c in lot["corrections"]] == [receipt]
