"""RFC 9162 Merkle tree hashing, proofs and their verification.

The ledger stores the hash of every perfect subtree once, as a node
``(level, index)`` covering leaves ``[index << level, (index + 1) << level)``.
Any root or proof is then a handful of those nodes, fetched together, so a
proof costs O(log n) reads whatever the size of the log. Verifiers use the
same module with no storage at all.
"""

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

Node = tuple[int, int]
"""A perfect subtree: ``(level, index)``; level 0 is a leaf."""

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(leaf: bytes) -> bytes:
    """SHA-256(0x00 || leaf)."""
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(size: int) -> int:
    """The largest power of two strictly below ``size`` (size >= 2)."""
    return 1 << ((size - 1).bit_length() - 1)


def range_nodes(start: int, end: int) -> list[Node]:
    """The perfect subtrees whose right fold is MTH(D[start:end]), left to right.

    ``start`` must be aligned as in RFC 9162's recursion, which holds for every
    range that a root or a proof of a tree starting at 0 asks for.
    """
    nodes: list[Node] = []
    while start < end:
        size = end - start
        width = size if size & (size - 1) == 0 else _split(size)
        level = width.bit_length() - 1
        nodes.append((level, start >> level))
        start += width
    return nodes


def fold(hashes: Sequence[bytes]) -> bytes:
    """Combine the hashes of ``range_nodes`` into the hash of their range."""
    if not hashes:
        return EMPTY_ROOT
    acc = hashes[-1]
    for left in reversed(hashes[:-1]):
        acc = node_hash(left, acc)
    return acc


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """Ranges whose hashes form the inclusion proof of ``index``, leaf level first."""
    if not 0 <= index < size:
        raise ValueError(f"index {index} is outside a tree of size {size}")
    ranges: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    ranges.reverse()
    return ranges


def consistency_ranges(first: int, second: int) -> list[tuple[int, int]]:
    """Ranges whose hashes form the consistency proof from ``first`` to ``second``."""
    if not 0 <= first <= second:
        raise ValueError(f"no consistency proof from size {first} to size {second}")
    if first in (0, second):
        return []
    ranges: list[tuple[int, int]] = []
    start, end, whole = 0, second, True
    m = first
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            m -= k
            start += k
            whole = False
    if not whole:
        ranges.append((start, end))
    ranges.reverse()
    return ranges


class NodeSource(Protocol):
    """Where a tree's perfect-subtree hashes are kept."""

    def get_nodes(self, nodes: Iterable[Node]) -> Mapping[Node, bytes]:
        """Return the hash of each requested node; all of them must exist."""
        ...


def hash_ranges(source: NodeSource, ranges: Sequence[tuple[int, int]]) -> list[bytes]:
    """The hash of each range, reading every needed node in one call."""
    per_range = [range_nodes(a, b) for a, b in ranges]
    found = source.get_nodes({n for nodes in per_range for n in nodes})
    return [fold([found[n] for n in nodes]) for nodes in per_range]


def root(source: NodeSource, size: int) -> bytes:
    """MTH of the first ``size`` leaves."""
    return hash_ranges(source, [(0, size)])[0] if size else EMPTY_ROOT


def inclusion_proof(source: NodeSource, index: int, size: int) -> list[bytes]:
    return hash_ranges(source, inclusion_ranges(index, size))


def consistency_proof(source: NodeSource, first: int, second: int) -> list[bytes]:
    return hash_ranges(source, consistency_ranges(first, second))


@dataclass
class CompactRange:
    """The right edge of a tree: the perfect subtrees that cover ``[0, size)``.

    Appending a leaf yields the new perfect nodes to store, with no reads; the
    root of the current size is folded from at most log2(size) hashes.
    """

    size: int = 0
    hashes: list[bytes] = field(default_factory=list)

    def append(self, leaf_hash_: bytes) -> list[tuple[Node, bytes]]:
        index = self.size
        created: list[tuple[Node, bytes]] = [((0, index), leaf_hash_)]
        acc, level = leaf_hash_, 0
        while index & 1:
            acc = node_hash(self.hashes.pop(), acc)
            index >>= 1
            level += 1
            created.append(((level, index), acc))
        self.hashes.append(acc)
        self.size += 1
        return created

    def root(self) -> bytes:
        return fold(self.hashes)


def root_from_leaves(leaves: Iterable[bytes]) -> tuple[int, bytes]:
    """Size and root of a tree built from raw leaf bytes, in one streaming pass."""
    compact = CompactRange()
    for leaf in leaves:
        compact.append(leaf_hash(leaf))
    return compact.size, compact.root()


def verify_inclusion(
    leaf_hash_: bytes, index: int, size: int, proof: Sequence[bytes], root_: bytes
) -> bool:
    """RFC 9162 section 2.1.3.2."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf_hash_
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root_


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 section 2.1.4.2; a tree of size 0 is consistent with every tree."""
    if not 0 <= first <= second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0
