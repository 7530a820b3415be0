"""RFC 6962 / RFC 9162 Merkle tree: hashing, proofs, fail-closed verification, stored nodes.

Hashes are raw 32-byte SHA-256 values and leaf indexes are 0-based.

Two ways to build proofs:

* list-based (``root``, ``inclusion_proof``, ``consistency_proof``): the RFC 6962 section 2.1
  recursions over all leaf hashes, simple and O(n);
* stored-node (``root_at``, ``inclusion_proof_at``, ``consistency_proof_at``): the tree lives in
  storage as the hashes of its *complete aligned subtrees*. The subtree ``(level, index)`` covers
  leaves ``[index * 2**level, (index + 1) * 2**level)``; level 0 is the leaf hash itself. Each
  function first works out every ``(level, index)`` it needs, reads them in one batch through the
  reader, then combines them, so a database-backed reader answers with a single query of
  O(log n) rows. A range that ends at the right edge of a tree is not itself stored; it is
  combined from the complete subtrees it is made of. ``nodes_completed_by`` gives the rows to
  store when a leaf is appended (also O(log n) reads).

``verify_inclusion`` and ``verify_consistency`` are the RFC 9162 sections 2.1.3.2 and 2.1.4.2
algorithms. They return ``None`` on success and raise ``LedgerError("invalid-proof")`` on any
failure, malformed input included (a hash that is not 32 bytes, a negative or out-of-range size
or index, a proof of the wrong length).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Protocol

from ledger.errors import LedgerError

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

Key = tuple[int, int]
"""A complete aligned subtree: ``(level, index)``."""


def leaf_hash(data: bytes) -> bytes:
    """SHA-256(0x00 || data)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def _range_error(detail: str) -> LedgerError:
    return LedgerError("invalid-range", detail)


# --- list-based (RFC 6962 section 2.1) ---------------------------------------------------------


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH: the root of the tree whose leaves have these hashes."""
    n = len(leaf_hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaf_hashes[0]
    k = _split(n)
    return node_hash(root(leaf_hashes[:k]), root(leaf_hashes[k:]))


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    """PATH(index, D[n]): the audit path of leaf ``index``, bottom-up."""
    if not 0 <= index < len(leaf_hashes):
        raise _range_error(f"leaf {index} is not in a tree of size {len(leaf_hashes)}")
    return _path(index, leaf_hashes)


def _path(m: int, d: Sequence[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = _split(len(d))
    if m < k:
        return [*_path(m, d[:k]), root(d[k:])]
    return [*_path(m - k, d[k:]), root(d[:k])]


def consistency_proof(leaf_hashes: Sequence[bytes], size1: int) -> list[bytes]:
    """PROOF(size1, D[n]); empty when ``size1`` is 0 or the whole tree."""
    n = len(leaf_hashes)
    if not 0 <= size1 <= n:
        raise _range_error(f"size {size1} is not within a tree of size {n}")
    if size1 in (0, n):
        return []
    return _subproof(size1, leaf_hashes, True)


def _subproof(m: int, d: Sequence[bytes], complete: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if complete else [root(d)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, d[:k], complete), root(d[k:])]
    return [*_subproof(m - k, d[k:], False), root(d[:k])]


# --- stored nodes ------------------------------------------------------------------------------


class NodeReader(Protocol):
    """Read access to stored complete subtrees.

    A reader may also offer ``nodes(keys) -> dict[Key, bytes]`` for one batched read; the
    functions below use it when present and otherwise call ``node`` once per key. A missing node
    must raise (``KeyError``); it is never treated as empty.
    """

    def node(self, level: int, index: int) -> bytes:
        """The hash of the complete subtree ``(level, index)``."""
        ...


def _fetch(reader: NodeReader, keys: Iterable[Key]) -> dict[Key, bytes]:
    wanted = list(dict.fromkeys(keys))
    batch = getattr(reader, "nodes", None)
    if batch is None:
        return {key: reader.node(*key) for key in wanted}
    found = batch(wanted)
    return {key: found[key] for key in wanted}


def _subtrees(lo: int, hi: int) -> list[Key]:
    """The complete aligned subtrees making up the MTH range ``[lo, hi)``, leftmost first."""
    keys = []
    while lo < hi:
        level = (hi - lo).bit_length() - 1
        keys.append((level, lo >> level))
        lo += 1 << level
    return keys


def _fold(hashes: list[bytes]) -> bytes:
    """The MTH of a range from its complete subtrees (the right edge folds in first)."""
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def _combine(ranges: list[tuple[int, int]], reader: NodeReader) -> list[bytes]:
    plan = [_subtrees(lo, hi) for lo, hi in ranges]
    found = _fetch(reader, (key for keys in plan for key in keys))
    return [_fold([found[key] for key in keys]) for keys in plan]


def _inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose MTHs form PATH(index, D[size]), bottom-up."""
    ranges = []
    lo, hi = 0, size
    while hi - lo > 1:
        mid = lo + _split(hi - lo)
        if index < mid:
            ranges.append((mid, hi))
            hi = mid
        else:
            ranges.append((lo, mid))
            lo = mid
    return ranges[::-1]


def _consistency_ranges(size1: int, size2: int) -> list[tuple[int, int]]:
    """The leaf ranges whose MTHs form PROOF(size1, D[size2]), for 0 < size1 < size2."""
    ranges = []
    lo, hi, complete = 0, size2, True
    while size1 != hi:
        mid = lo + _split(hi - lo)
        if size1 <= mid:
            ranges.append((mid, hi))
            hi = mid
        else:
            ranges.append((lo, mid))
            lo = mid
            complete = False
    if not complete:
        ranges.append((lo, hi))
    return ranges[::-1]


def nodes_completed_by(index: int, leaf: bytes, reader: NodeReader) -> list[tuple[int, int, bytes]]:
    """Every ``(level, index, hash)`` completed by appending leaf hash ``leaf`` at ``index``.

    Starts with ``(0, index, leaf)``; reads only the left siblings on the way up.
    """
    if index < 0:
        raise _range_error(f"leaf index {index} is negative")
    if not isinstance(leaf, bytes) or len(leaf) != HASH_SIZE:
        raise ValueError("leaf must be a 32-byte leaf hash")
    height = (index ^ (index + 1)).bit_length() - 1  # trailing one bits of index
    siblings = [(level, (index >> level) - 1) for level in range(height)]
    found = _fetch(reader, siblings)
    completed = [(0, index, leaf)]
    acc = leaf
    for level, key in enumerate(siblings):
        acc = node_hash(found[key], acc)
        completed.append((level + 1, index >> (level + 1), acc))
    return completed


def frontier_keys(size: int) -> list[Key]:
    """The complete subtrees on the right edge of a tree of ``size`` leaves, leftmost first.

    Appending any number of further leaves reads no stored node but these (and the nodes
    those appends complete), so a batch of appends can read them once.
    """
    if size < 0:
        raise _range_error(f"size {size} is negative")
    return _subtrees(0, size)


def root_at(size: int, reader: NodeReader) -> bytes:
    """The root of the first ``size`` leaves of a stored tree."""
    if size < 0:
        raise _range_error(f"size {size} is negative")
    if size == 0:
        return EMPTY_ROOT
    return _combine([(0, size)], reader)[0]


def inclusion_proof_at(index: int, size: int, reader: NodeReader) -> list[bytes]:
    """``inclusion_proof`` of leaf ``index`` in the tree of the first ``size`` stored leaves."""
    return inclusion_proofs_at([index], size, reader)[0]


def inclusion_proofs_at(indexes: Sequence[int], size: int, reader: NodeReader) -> list[list[bytes]]:
    """``inclusion_proof_at`` for each of ``indexes``, reading every node they need at once."""
    for index in indexes:
        if not 0 <= index < size:
            raise _range_error(f"leaf {index} is not in a tree of size {size}")
    plans = [_inclusion_ranges(index, size) for index in indexes]
    hashes = iter(_combine([r for ranges in plans for r in ranges], reader))
    return [[next(hashes) for _ in ranges] for ranges in plans]


def consistency_proof_at(size1: int, size2: int, reader: NodeReader) -> list[bytes]:
    """``consistency_proof`` from size ``size1`` to size ``size2`` of a stored tree."""
    if not 0 <= size1 <= size2:
        raise _range_error(f"size {size1} is not within a tree of size {size2}")
    if size1 in (0, size2):
        return []
    return _combine(_consistency_ranges(size1, size2), reader)


class MemoryNodes:
    """A dict-backed node store (tests, offline tools, a batch of appends in the service).

    ``nodes`` may seed it with known subtrees (e.g. a frontier) of a tree of unknown size.
    """

    def __init__(self, nodes: dict[Key, bytes] | None = None) -> None:
        self._nodes: dict[Key, bytes] = dict(nodes or {})
        self.size = 0

    def node(self, level: int, index: int) -> bytes:
        return self._nodes[(level, index)]

    def nodes(self, keys: Iterable[Key]) -> dict[Key, bytes]:
        return {key: self._nodes[key] for key in keys}

    def put(self, level: int, index: int, value: bytes) -> None:
        """Store one subtree hash."""
        self._nodes[(level, index)] = value

    def append(self, leaf: bytes) -> int:
        """Append a leaf hash; return its index."""
        index = self.size
        for level, position, value in nodes_completed_by(index, leaf, self):
            self._nodes[(level, position)] = value
        self.size += 1
        return index


# --- verification (RFC 9162 sections 2.1.3.2 and 2.1.4.2) --------------------------------------


def _invalid(reason: str) -> LedgerError:
    return LedgerError("invalid-proof", reason)


def _check_size(value: object, what: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _invalid(f"{what} must be a non-negative integer")


def _check_hash(value: object, what: str) -> None:
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        raise _invalid(f"{what} must be a {HASH_SIZE}-byte hash")


def _check_proof(proof: object) -> list[bytes]:
    if not isinstance(proof, Sequence) or isinstance(proof, (bytes, str)):
        raise _invalid("proof must be a sequence of hashes")
    for item in proof:
        _check_hash(item, "each proof hash")
    return list(proof)


def _shift_to_odd(fn: int, sn: int) -> tuple[int, int]:
    """Right-shift both until ``fn`` is odd or zero."""
    while fn and not fn & 1:
        fn, sn = fn >> 1, sn >> 1
    return fn, sn


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``proof`` shows leaf hash ``leaf_hash`` at ``index`` in the tree ``root``."""
    _check_size(index, "leaf index")
    _check_size(size, "tree size")
    _check_hash(leaf_hash, "leaf hash")
    _check_hash(root, "root")
    path = _check_proof(proof)
    if index >= size:
        raise _invalid(f"leaf index {index} is not below tree size {size}")
    fn, sn, r = index, size - 1, leaf_hash
    for p in path:
        if sn == 0:
            raise _invalid("inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            fn, sn = _shift_to_odd(fn, sn)
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise _invalid("inclusion proof is too short")
    if r != root:
        raise _invalid("inclusion proof does not lead to the root")


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Check that ``proof`` shows tree ``root2`` (size2) extends tree ``root1`` (size1).

    Equal sizes need an empty proof and equal roots (the empty root for size 0). A proof from
    the empty tree is not defined (RFC 9162 requires 0 < size1) and is refused.
    """
    _check_size(size1, "size1")
    _check_size(size2, "size2")
    path = _check_proof(proof)
    if size1 == size2 and size1 > 0:
        # As RFC 9162 and the reference verifier: equal trees need only equal roots (compared
        # as opaque bytes) and an empty proof.
        if path:
            raise _invalid("proof must be empty for equal sizes")
        if not isinstance(root1, bytes) or root1 != root2:
            raise _invalid("roots differ for equal sizes")
        return
    _check_hash(root1, "root1")
    _check_hash(root2, "root2")
    if size1 > size2:
        raise _invalid(f"size1 {size1} is larger than size2 {size2}")
    if size1 == size2:
        if path:
            raise _invalid("proof must be empty for equal sizes")
        if root1 != EMPTY_ROOT or root2 != EMPTY_ROOT:
            raise _invalid("the empty tree has the empty root")
        return
    if size1 == 0:
        raise _invalid("no consistency proof exists from the empty tree")
    if not path:
        raise _invalid("consistency proof is empty")
    if size1 & (size1 - 1) == 0:
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise _invalid("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            fn, sn = _shift_to_odd(fn, sn)
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise _invalid("consistency proof is too short")
    if fr != root1:
        raise _invalid("consistency proof does not lead to root1")
    if sr != root2:
        raise _invalid("consistency proof does not lead to root2")


class Frontier:
    """The right edge of a growing tree: O(log n) hashes, enough for the root at every size.

    Used to recompute the root while streaming a log, with flat memory.
    """

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[tuple[int, bytes]] = []  # complete subtrees (height, hash), left first

    def append(self, leaf: bytes) -> None:
        """Add the next leaf hash."""
        self.size += 1
        self._stack.append((0, leaf))
        while len(self._stack) >= 2 and self._stack[-1][0] == self._stack[-2][0]:
            (height, right), (_, left) = self._stack.pop(), self._stack.pop()
            self._stack.append((height + 1, node_hash(left, right)))

    def root(self) -> bytes:
        """The root of the leaves appended so far."""
        if not self._stack:
            return EMPTY_ROOT
        accumulator = self._stack[-1][1]
        for _, digest in reversed(self._stack[:-1]):
            accumulator = node_hash(digest, accumulator)
        return accumulator
