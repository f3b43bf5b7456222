"""RFC 9162 hashing and proofs: published test vectors and properties for random sizes."""

from collections.abc import Iterable, Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from periplus import merkle

# The leaves and hashes that RFC 6962 implementations share as test vectors
# (certificate-transparency-go and transparency-dev/merkle).
LEAVES = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
ROOTS = [
    bytes.fromhex(h)
    for h in [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]
]


def h(text: str) -> bytes:
    return bytes.fromhex(text)


# (index, size, proof) and (first, second, proof) from the published vectors.
INCLUSION = [
    (
        0,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        5,
        8,
        [
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (2, 3, [h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")]),
    (
        1,
        5,
        [
            h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
]
CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        6,
        8,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (
        2,
        5,
        [
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
    (
        6,
        7,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
]


class MemoryNodes:
    """Every perfect-subtree hash of a tree, kept in a dict, as the ledger keeps them."""

    def __init__(self, leaves: Iterable[bytes]) -> None:
        self.nodes: dict[merkle.Node, bytes] = {}
        self.compact = merkle.CompactRange()
        for leaf in leaves:
            self.nodes.update(self.compact.append(merkle.leaf_hash(leaf)))

    def get_nodes(self, nodes: Iterable[merkle.Node]) -> Mapping[merkle.Node, bytes]:
        return {n: self.nodes[n] for n in nodes}


def reference_root(leaves: list[bytes]) -> bytes:
    """MTH straight from RFC 9162 section 2.1.1, recursively."""
    if not leaves:
        return merkle.EMPTY_ROOT
    if len(leaves) == 1:
        return merkle.leaf_hash(leaves[0])
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return merkle.node_hash(reference_root(leaves[:k]), reference_root(leaves[k:]))


@pytest.mark.parametrize("size", range(9))
def test_roots_match_the_published_vectors(size: int) -> None:
    assert merkle.root_from_leaves(LEAVES[:size]) == (size, ROOTS[size])
    assert merkle.root(MemoryNodes(LEAVES[:size]), size) == ROOTS[size]


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_inclusion_proofs_match_the_published_vectors(
    index: int, size: int, proof: list[bytes]
) -> None:
    assert merkle.inclusion_proof(MemoryNodes(LEAVES[:size]), index, size) == proof
    assert merkle.verify_inclusion(merkle.leaf_hash(LEAVES[index]), index, size, proof, ROOTS[size])
    flipped = [bytes([proof[0][0] ^ 8]) + proof[0][1:], *proof[1:]]
    assert not merkle.verify_inclusion(
        merkle.leaf_hash(LEAVES[index]), index, size, flipped, ROOTS[size]
    )


@pytest.mark.parametrize(("first", "second", "proof"), CONSISTENCY)
def test_consistency_proofs_match_the_published_vectors(
    first: int, second: int, proof: list[bytes]
) -> None:
    assert merkle.consistency_proof(MemoryNodes(LEAVES[:second]), first, second) == proof
    assert merkle.verify_consistency(first, second, ROOTS[first], ROOTS[second], proof)
    if proof:
        assert not merkle.verify_consistency(first, second, ROOTS[second], ROOTS[first], proof)
        assert not merkle.verify_consistency(first, second, ROOTS[first], ROOTS[second], proof[:-1])


def test_the_empty_tree_is_consistent_with_every_tree_and_proves_nothing() -> None:
    assert merkle.verify_consistency(0, 8, merkle.EMPTY_ROOT, ROOTS[8], [])
    assert not merkle.verify_inclusion(merkle.leaf_hash(b""), 0, 0, [], merkle.EMPTY_ROOT)
    with pytest.raises(ValueError, match="outside"):
        merkle.inclusion_ranges(3, 3)


def leaves_of(size: int) -> list[bytes]:
    return [i.to_bytes(4, "big") * (i % 3) for i in range(size)]


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 300).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1))))
def test_every_inclusion_proof_verifies_and_a_wrong_one_fails(case: tuple[int, int]) -> None:
    size, index = case
    leaves = leaves_of(size)
    tree = MemoryNodes(leaves)
    root = merkle.root(tree, size)
    assert root == reference_root(leaves)
    proof = merkle.inclusion_proof(tree, index, size)
    leaf = merkle.leaf_hash(leaves[index])
    assert merkle.verify_inclusion(leaf, index, size, proof, root)
    assert not merkle.verify_inclusion(merkle.leaf_hash(b"other"), index, size, proof, root)
    grown = reference_root([*leaves, b"next"])
    assert not merkle.verify_inclusion(leaf, index, size + 1, proof, grown)
    if size > 1:
        other = (index + 1) % size
        assert not merkle.verify_inclusion(leaf, other, size, proof, root) or (
            leaves[other] == leaves[index]
        )
        broken = list(proof)
        broken[-1] = bytes(32)
        assert not merkle.verify_inclusion(leaf, index, size, broken, root)
        assert not merkle.verify_inclusion(leaf, index, size, proof[:-1], root)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 300).flatmap(lambda n: st.tuples(st.integers(1, n), st.just(n))))
def test_every_consistency_proof_verifies_and_a_wrong_one_fails(case: tuple[int, int]) -> None:
    first, second = case
    leaves = leaves_of(second)
    tree = MemoryNodes(leaves)
    first_root, second_root = reference_root(leaves[:first]), reference_root(leaves)
    proof = merkle.consistency_proof(tree, first, second)
    assert merkle.verify_consistency(first, second, first_root, second_root, proof)
    if first < second:
        forged = reference_root([*leaves[: first - 1], b"forged"])
        assert not merkle.verify_consistency(first, second, forged, second_root, proof)
        assert not merkle.verify_consistency(first, second, first_root, bytes(32), proof)
        assert not merkle.verify_consistency(first, second, first_root, second_root, proof[1:])
        assert not merkle.verify_consistency(
            first, second, first_root, second_root, [*proof, bytes(32)]
        )
