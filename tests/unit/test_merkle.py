"""RFC 6962/9162 Merkle tree: conformance vectors, list-based vs stored-node proofs, read counts."""

from __future__ import annotations

import base64
import hashlib
import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.errors import LedgerError
from ledger.merkle import (
    EMPTY_ROOT,
    Frontier,
    MemoryNodes,
    consistency_proof,
    consistency_proof_at,
    frontier_keys,
    inclusion_proof,
    inclusion_proof_at,
    inclusion_proofs_at,
    leaf_hash,
    node_hash,
    nodes_completed_by,
    root,
    root_at,
    verify_consistency,
    verify_inclusion,
)
from ledger.problem_codes import Category

VECTORS = Path(__file__).resolve().parent.parent / "data" / "rfc6962"
INCLUSION = sorted((VECTORS / "inclusion").rglob("*.json"))
CONSISTENCY = sorted((VECTORS / "consistency").rglob("*.json"))

# The RFC 6962 reference leaves the vectors are built from.
REFERENCE_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    bytes(range(0x50, 0x58)),
    bytes(range(0x60, 0x70)),
]


def _vector_id(path: Path) -> str:
    return path.relative_to(VECTORS).as_posix()


def _load(path: Path) -> dict:
    data = json.loads(path.read_text())
    data["proof"] = [base64.b64decode(p) for p in data["proof"] or []]
    return data


def _raises_invalid_proof(call, *args) -> bool:
    try:
        call(*args)
    except LedgerError as exc:
        assert exc.code == "invalid-proof"
        assert exc.category is Category.INVALID
        return True
    return False


def _leaves(n: int) -> list[bytes]:
    return [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


def _store(leaves: list[bytes]) -> MemoryNodes:
    nodes = MemoryNodes()
    for leaf in leaves:
        nodes.append(leaf)
    return nodes


# --- conformance vectors -----------------------------------------------------------------------


def test_every_vector_directory_is_collected():
    assert len(INCLUSION) > 50
    assert len(CONSISTENCY) > 50


@pytest.mark.parametrize("path", INCLUSION, ids=_vector_id)
def test_inclusion_vector(path):
    v = _load(path)
    b64 = base64.b64decode
    args = (b64(v["leafHash"]), v["leafIdx"], v["treeSize"], v["proof"], b64(v["root"]))
    assert _raises_invalid_proof(verify_inclusion, *args) is v["wantErr"]


@pytest.mark.parametrize("path", CONSISTENCY, ids=_vector_id)
def test_consistency_vector(path):
    v = _load(path)
    b64 = base64.b64decode
    args = (v["size1"], v["size2"], v["proof"], b64(v["root1"]), b64(v["root2"]))
    assert _raises_invalid_proof(verify_consistency, *args) is v["wantErr"]


def _happy(kind: str) -> list[Path]:
    return sorted((VECTORS / kind).glob("[0-9]*/happy-path.json"))


@pytest.mark.parametrize("path", _happy("inclusion"), ids=_vector_id)
def test_generated_inclusion_proofs_equal_the_vectors(path):
    v = _load(path)
    leaves = [leaf_hash(d) for d in REFERENCE_LEAVES[: v["treeSize"]]]
    nodes = _store(leaves)
    assert root(leaves) == base64.b64decode(v["root"])
    assert inclusion_proof(leaves, v["leafIdx"]) == v["proof"]
    assert inclusion_proof_at(v["leafIdx"], v["treeSize"], nodes) == v["proof"]


@pytest.mark.parametrize("path", _happy("consistency"), ids=_vector_id)
def test_generated_consistency_proofs_equal_the_vectors(path):
    v = _load(path)
    leaves = [leaf_hash(d) for d in REFERENCE_LEAVES[: v["size2"]]]
    nodes = _store(leaves)
    assert root_at(v["size1"], nodes) == base64.b64decode(v["root1"])
    assert root_at(v["size2"], nodes) == base64.b64decode(v["root2"])
    assert consistency_proof(leaves, v["size1"]) == v["proof"]
    assert consistency_proof_at(v["size1"], v["size2"], nodes) == v["proof"]


# --- hashing and small cases -------------------------------------------------------------------


def test_hashing_is_domain_separated():
    assert EMPTY_ROOT == hashlib.sha256(b"").digest()
    assert leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert node_hash(b"l", b"r") == hashlib.sha256(b"\x01lr").digest()
    assert root([]) == EMPTY_ROOT
    assert root_at(0, MemoryNodes()) == EMPTY_ROOT


def test_empty_and_full_consistency_proofs_are_empty():
    leaves = _leaves(5)
    nodes = _store(leaves)
    assert consistency_proof(leaves, 0) == consistency_proof(leaves, 5) == []
    assert consistency_proof_at(0, 5, nodes) == consistency_proof_at(5, 5, nodes) == []
    verify_consistency(5, 5, [], root(leaves), root(leaves))
    verify_consistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT)
    # No proof is defined from the empty tree (RFC 9162 needs 0 < size1).
    assert _raises_invalid_proof(verify_consistency, 0, 5, [], EMPTY_ROOT, root(leaves))


@pytest.mark.parametrize(
    ("call", "args"),
    [
        (inclusion_proof, (_leaves(3), 3)),
        (inclusion_proof, (_leaves(3), -1)),
        (inclusion_proof, ([], 0)),
        (consistency_proof, (_leaves(3), 4)),
        (consistency_proof, (_leaves(3), -1)),
    ],
)
def test_proofs_out_of_range_are_refused(call, args):
    with pytest.raises(LedgerError) as err:
        call(*args)
    assert err.value.code == "invalid-range"


def test_stored_proofs_out_of_range_are_refused():
    nodes = _store(_leaves(4))
    for call, args in [
        (inclusion_proof_at, (4, 4, nodes)),
        (inclusion_proof_at, (-1, 4, nodes)),
        (consistency_proof_at, (3, 2, nodes)),
        (consistency_proof_at, (-1, 2, nodes)),
        (root_at, (-1, nodes)),
        (nodes_completed_by, (-1, EMPTY_ROOT, nodes)),
    ]:
        with pytest.raises(LedgerError) as err:
            call(*args)
        assert err.value.code == "invalid-range"
    with pytest.raises(ValueError, match="32-byte"):
        nodes_completed_by(4, b"short", nodes)


def test_a_missing_stored_node_is_an_error_not_an_empty_subtree():
    nodes = _store(_leaves(4))
    with pytest.raises(KeyError):
        root_at(5, nodes)


def test_malformed_verification_inputs_fail_closed():
    leaves = _leaves(6)
    r = root(leaves)
    proof = inclusion_proof(leaves, 2)
    verify_inclusion(leaves[2], 2, 6, proof, r)
    bad_inclusion = [
        (leaves[2][:31], 2, 6, proof, r),
        (leaves[2], 2, 6, proof, r + b"\x00"),
        (leaves[2], 2, 6, [*proof[:-1], proof[-1][:31]], r),
        (leaves[2], 2, 6, None, r),
        (leaves[2], 2, 6, b"".join(proof), r),
        (leaves[2], 6, 6, proof, r),
        (leaves[2], -1, 6, proof, r),
        (leaves[2], True, 6, proof, r),
        (leaves[2], 2, 6.0, proof, r),
        (leaves[2], 2, 6, [*proof, proof[0]], r),
        (leaves[2], 2, 6, proof[:-1], r),
        (leaves[2], 2, 9, proof, r),
        (leaves[3], 2, 6, proof, r),
    ]
    for args in bad_inclusion:
        assert _raises_invalid_proof(verify_inclusion, *args), args

    r3 = root(leaves[:3])
    cproof = consistency_proof(leaves, 3)
    verify_consistency(3, 6, cproof, r3, r)
    bad_consistency = [
        (3, 6, cproof, r3[:31], r),
        (3, 6, cproof, r3, r[:31]),
        (6, 3, cproof, r, r3),
        (3, 6, [], r3, r),
        (3, 6, [*cproof, cproof[0]], r3, r),
        (3, 6, cproof[:-1], r3, r),
        (3, 3, cproof, r3, r3),
        (3, 3, [], r3, r),
        (0, 0, [], r, r),
        (-1, 6, cproof, r3, r),
        (3, 6, "proof", r3, r),
        (3, 6, cproof, r, r3),
    ]
    for args in bad_consistency:
        assert _raises_invalid_proof(verify_consistency, *args), args


# --- properties --------------------------------------------------------------------------------


@st.composite
def _tree_and_sizes(draw):
    n = draw(st.integers(min_value=1, max_value=300))
    size = draw(st.integers(min_value=1, max_value=n))
    index = draw(st.integers(min_value=0, max_value=size - 1))
    size1 = draw(st.integers(min_value=1, max_value=size))
    return n, size, index, size1


@settings(max_examples=150)
@given(_tree_and_sizes())
def test_stored_node_functions_equal_the_list_based_ones(case):
    n, size, index, size1 = case
    leaves = _leaves(n)
    nodes = _store(leaves)  # the store may hold more leaves than the tree asked about
    prefix = leaves[:size]
    r = root(prefix)
    assert root_at(size, nodes) == r
    proof = inclusion_proof_at(index, size, nodes)
    assert proof == inclusion_proof(prefix, index)
    verify_inclusion(leaves[index], index, size, proof, r)
    cproof = consistency_proof_at(size1, size, nodes)
    assert cproof == consistency_proof(prefix, size1)
    verify_consistency(size1, size, cproof, root(leaves[:size1]), r)


@settings(max_examples=30)
@given(st.integers(min_value=1, max_value=70))
def test_appending_stores_exactly_the_complete_subtrees(n):
    leaves = _leaves(n)
    nodes = _store(leaves)
    expected = {}
    for level in range(n.bit_length()):
        width = 1 << level
        for index in range(n // width):
            expected[(level, index)] = root(leaves[index * width : (index + 1) * width])
    assert nodes._nodes == expected
    assert nodes_completed_by(n, leaf_hash(b"next"), nodes)[0] == (0, n, leaf_hash(b"next"))


def _flip(value: bytes, bit: int) -> bytes:
    out = bytearray(value)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


@settings(max_examples=150)
@given(_tree_and_sizes(), st.data())
def test_flipping_any_bit_breaks_an_inclusion_proof(case, data):
    _, size, index, _ = case
    leaves = _leaves(size)
    r = root(leaves)
    proof = inclusion_proof(leaves, index)
    bit = data.draw(st.integers(min_value=0, max_value=255))
    assert _raises_invalid_proof(verify_inclusion, leaves[index], index, size, proof, _flip(r, bit))
    flipped_leaf = _flip(leaves[index], bit)
    assert _raises_invalid_proof(verify_inclusion, flipped_leaf, index, size, proof, r)
    if proof:
        at = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
        bad = [*proof[:at], _flip(proof[at], bit), *proof[at + 1 :]]
        assert _raises_invalid_proof(verify_inclusion, leaves[index], index, size, bad, r)


@settings(max_examples=150)
@given(_tree_and_sizes(), st.data())
def test_flipping_any_bit_breaks_a_consistency_proof(case, data):
    _, size2, _, size1 = case
    leaves = _leaves(size2)
    r1, r2 = root(leaves[:size1]), root(leaves)
    proof = consistency_proof(leaves, size1)
    bit = data.draw(st.integers(min_value=0, max_value=255))
    assert _raises_invalid_proof(verify_consistency, size1, size2, proof, _flip(r1, bit), r2)
    assert _raises_invalid_proof(verify_consistency, size1, size2, proof, r1, _flip(r2, bit))
    if proof:
        at = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
        bad = [*proof[:at], _flip(proof[at], bit), *proof[at + 1 :]]
        assert _raises_invalid_proof(verify_consistency, size1, size2, bad, r1, r2)


def test_flipping_every_bit_of_one_proof_breaks_it():
    leaves = _leaves(13)
    r = root(leaves)
    proof = inclusion_proof(leaves, 6)
    for at in range(len(proof)):
        for bit in range(256):
            bad = [*proof[:at], _flip(proof[at], bit), *proof[at + 1 :]]
            assert _raises_invalid_proof(verify_inclusion, leaves[6], 6, 13, bad, r)


# --- O(log n) reads on a large tree ------------------------------------------------------------

BIG = (1 << 20) + 12345


class LazyTree:
    """An unbounded tree whose leaf i is leaf_hash(sha256(i)); subtrees computed on demand."""

    def __init__(self) -> None:
        self._memo: dict[tuple[int, int], bytes] = {}

    def subtree(self, level: int, index: int) -> bytes:
        if level <= 8:
            start = index << level
            layer = [
                leaf_hash(hashlib.sha256(i.to_bytes(8, "big")).digest())
                for i in range(start, start + (1 << level))
            ]
            while len(layer) > 1:
                layer = [node_hash(layer[i], layer[i + 1]) for i in range(0, len(layer), 2)]
            return layer[0]
        key = (level, index)
        if key not in self._memo:
            left = self.subtree(level - 1, 2 * index)
            self._memo[key] = node_hash(left, self.subtree(level - 1, 2 * index + 1))
        return self._memo[key]


class CountingReader:
    """Counts batches and node reads; refuses any node that is not complete within ``size``."""

    def __init__(self, tree: LazyTree, size: int) -> None:
        self.tree, self.size = tree, size
        self.batches = self.reads = 0

    def node(self, level: int, index: int) -> bytes:
        if (index + 1) << level > self.size:
            raise KeyError((level, index))
        self.reads += 1
        return self.tree.subtree(level, index)

    def nodes(self, keys):
        self.batches += 1
        return {key: self.node(*key) for key in keys}


@pytest.fixture(scope="module")
def lazy_tree() -> LazyTree:
    return LazyTree()


def _bound(n: int) -> int:
    return 2 * math.ceil(math.log2(n)) + 2


def _counted(tree: LazyTree, size: int, call, *args):
    reader = CountingReader(tree, size)
    result = call(*args, reader)
    assert reader.batches == 1
    assert reader.reads <= _bound(size), (call.__name__, args, reader.reads)
    return result


@pytest.mark.slow  # hashes a million leaves
def test_reads_are_logarithmic_in_a_big_tree(lazy_tree):
    r = _counted(lazy_tree, BIG, root_at, BIG)
    for index in (0, 1, 12345, (1 << 19) + 7, (1 << 20) - 1, 1 << 20, BIG - 1):
        proof = _counted(lazy_tree, BIG, inclusion_proof_at, index, BIG)
        verify_inclusion(lazy_tree.subtree(0, index), index, BIG, proof, r)
    for size1 in (1, 2, 12345, 1 << 19, (1 << 20) - 1, 1 << 20, BIG - 1):
        proof = _counted(lazy_tree, BIG, consistency_proof_at, size1, BIG)
        r1 = _counted(lazy_tree, BIG, root_at, size1)
        verify_consistency(size1, BIG, proof, r1, r)


@pytest.mark.slow  # hashes a million leaves
def test_an_append_reads_only_left_siblings(lazy_tree):
    index = (1 << 20) - 1  # completes 20 levels at once
    reader = CountingReader(lazy_tree, index)
    completed = nodes_completed_by(index, lazy_tree.subtree(0, index), reader)
    assert reader.batches == 1
    assert reader.reads == 20
    assert [(level, i) for level, i, _ in completed] == [(k, index >> k) for k in range(21)]
    assert completed[-1][2] == lazy_tree.subtree(20, 0)


def test_frontier_root_equals_the_list_root_at_every_size():
    # Every size from 0 to 300 (the leaves of a size are a prefix of the next size's).
    leaves = [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(300)]
    frontier = Frontier()
    assert frontier.root() == EMPTY_ROOT
    for count, leaf in enumerate(leaves, start=1):
        frontier.append(leaf)
        assert frontier.root() == root(leaves[:count])


@given(st.integers(min_value=0, max_value=200), st.integers(min_value=1, max_value=70))
def test_a_batch_of_appends_needs_only_the_frontier(size, batch):
    """Seeded with nothing but the frontier, appending a batch completes the same nodes as
    the full tree, and leaves the frontier of the new size."""
    leaves = [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(size + batch)]
    full = MemoryNodes()
    for leaf in leaves[:size]:
        full.append(leaf)
    tree = MemoryNodes(full.nodes(frontier_keys(size)))
    for index in range(size, size + batch):
        expected = nodes_completed_by(index, leaves[index], full)
        for level, position, value in nodes_completed_by(index, leaves[index], tree):
            tree.put(level, position, value)
        full.append(leaves[index])
        assert [(lvl, i, h) for lvl, i, h in expected] == [
            (lvl, i, tree.node(lvl, i)) for lvl, i, _ in expected
        ]
    assert _root_of(tree.nodes(frontier_keys(size + batch))) == root(leaves)


def _root_of(frontier: dict) -> bytes:
    """The root from a frontier (complete subtrees, leftmost first)."""
    hashes = [frontier[key] for key in sorted(frontier, key=lambda k: k[1] << k[0])]
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def test_frontier_keys_are_the_binary_decomposition_of_the_size():
    assert frontier_keys(0) == []
    assert frontier_keys(1) == [(0, 0)]
    assert frontier_keys(6) == [(2, 0), (1, 2)]
    assert frontier_keys(13) == [(3, 0), (2, 2), (0, 12)]
    with pytest.raises(LedgerError):
        frontier_keys(-1)


@given(st.integers(min_value=1, max_value=150), st.data())
def test_many_inclusion_proofs_read_their_nodes_at_once(size, data):
    leaves = [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(size)]
    tree = MemoryNodes()
    for leaf in leaves:
        tree.append(leaf)
    batches = []

    class Reader:
        def nodes(self, keys):
            batches.append(list(keys))
            return tree.nodes(batches[-1])

    indexes = data.draw(st.lists(st.integers(0, size - 1), min_size=1, max_size=20))
    proofs = inclusion_proofs_at(indexes, size, Reader())
    assert proofs == [inclusion_proof(leaves, index) for index in indexes]
    assert len(batches) == 1
    assert len(batches[0]) == len(set(batches[0])), "each node is read once"
    with pytest.raises(LedgerError):
        inclusion_proofs_at([size], size, Reader())
