"""The witness's local state and what it posts; witness registration rules on the pure core."""

from __future__ import annotations

import re
import stat

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import witness
from ledger.checkpoint import Checkpoint, cosign, sign_checkpoint
from ledger.keys import PrivateKey
from ledger.note import Verifier, add_signature, parse_note
from ledger.types.witness import WITNESS_NAME

ORIGIN = "test.example/log"


@given(size=st.integers(min_value=0, max_value=2**64 - 1), root=st.binary(min_size=32, max_size=32))
def test_the_state_file_keeps_exactly_the_last_cosigned_tree(tmp_path_factory, size, root):
    path = tmp_path_factory.mktemp("w") / "state.json"
    assert witness.load_state(path) is None
    witness.save_state(path, Checkpoint(ORIGIN, size, root))
    assert witness.load_state(path) == Checkpoint(ORIGIN, size, root)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not path.with_name(path.name + ".tmp").exists()


def test_a_post_carries_the_operator_and_this_witness_only():
    operator = PrivateKey.generate()
    note = sign_checkpoint(Checkpoint(ORIGIN, 3, bytes(32)), ORIGIN, operator)
    note = add_signature(note, "other.example/w", PrivateKey.generate())
    verifier = Verifier(ORIGIN, operator.public)
    cosigned = cosign(note, None, [], "me.example/w", PrivateKey.generate(), verifier)
    _, lines = parse_note(witness.own_lines(cosigned, "me.example/w"))
    assert [s.name for s in lines] == [ORIGIN, "me.example/w"]


@pytest.mark.parametrize(
    "name", ["arm", "ARM.example/w", "witness.example/", "http://w.example", "w.example/a b"]
)
def test_witness_names_are_schema_less_urls(name):
    assert re.fullmatch(WITNESS_NAME, name) is None


def test_a_witness_name_in_the_recommended_form_is_accepted():
    assert re.fullmatch(WITNESS_NAME, "witness.arm.example/gold-ledger")
