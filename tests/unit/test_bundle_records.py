"""The records a provenance bundle holds, chosen by the core alone: exactly what replay needs."""

from __future__ import annotations

import pytest
from ledger_book import Book

from ledger.admission import replay_record
from ledger.bundle_records import bundle_records
from ledger.errors import LedgerError
from ledger.state import MemoryStore


class RecordingBook(Book):
    """A book that keeps its records, with a store that can list every object of a kind."""

    def __init__(self) -> None:
        self.records = {}
        super().__init__()

    def submit(self, entry: dict, private: dict | None = None):
        applied = super().submit(entry, private)
        self.records[applied.record.seq] = applied.record
        return applied

    def all(self, kind: str) -> list[dict]:
        return [self.store.get(kind, key) for key in sorted(self.store.objects[kind])]

    def get(self, kind: str, key: str) -> dict | None:
        return self.store.get(kind, key)

    def find(self, kind: str, attr: str, value: str) -> list[dict]:
        return self.store.find(kind, attr, value)

    def by_seq(self, seqs: set[int]) -> list:
        return [self.records[seq] for seq in seqs if seq in self.records]


@pytest.fixture
def book() -> RecordingBook:
    found = RecordingBook()
    found.at("refiner", "LOT-1")
    found.settled("LOT-2", party="mine-fm", claim="fairmined")
    return found


def test_the_chosen_records_replay_to_the_lot_and_leave_other_lots_out(book):
    records = bundle_records(book, book.by_seq, "LOT-1")
    assert [r.seq for r in records] == sorted({r.seq for r in records})
    assert records[0].seq == 1
    replayed = MemoryStore()
    for record in records:
        replay_record(replayed, record, public=True)
    assert replayed.get("lot", "LOT-1") == book.store.get("lot", "LOT-1")
    assert replayed.get("lot", "LOT-2") is None


def test_an_unknown_lot_has_no_bundle(book):
    with pytest.raises(LedgerError) as refused:
        bundle_records(book, book.by_seq, "LOT-404")
    assert (refused.value.code, refused.value.category) == ("unknown-lot", "not-found")


def test_a_record_missing_from_the_log_is_an_error(book):
    with pytest.raises(LookupError, match="records missing"):
        bundle_records(book, lambda seqs: book.by_seq(seqs)[1:], "LOT-1")
