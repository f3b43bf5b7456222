"""tlog-proof@v1 receipts: the spec's layout to the byte, refusals, and offline verification."""

import base64
from collections.abc import Iterable, Mapping

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from periplus import merkle
from periplus.cosignature import Cosigner
from periplus.note import Checkpoint, NoteError, Signer
from periplus.policy import Policy, parse_policy
from periplus.proof import ProofFormatError, Receipt, decode_hash, verify_receipt

# The example of c2sp.org/tlog-proof up to its checkpoint, whose elided signatures
# are replaced below by real ones over the same body.
SPEC_HEAD = """\
c2sp.org/tlog-proof@v1
extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ
index 73894
gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=
B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=
EKNzoDWG8LGC0Yp9o+sv3qllpMP9uHQ9B20KNL+Q1zs=
RoopEkOdqkYqMB4MJXrbt/hMjOxsVn0IrWjpz1ZMMes=
AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=

"""
SPEC_BODY = "example.com/fancylog\n109482\nsFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=\n"

LOG = Signer("periplus.test/log", Ed25519PrivateKey.from_private_bytes(bytes(32)))
WITNESS = Cosigner("witness.test/w1", Ed25519PrivateKey.from_private_bytes(bytes([7]) * 32))
POLICY = parse_policy(f"log {LOG.verifier}\nwitness W {WITNESS.key}\nquorum W\n")


class Tree:
    """A whole Merkle tree in memory, for proofs over real hashes."""

    def __init__(self, leaves: Iterable[bytes]) -> None:
        self.leaves = list(leaves)
        self.nodes: dict[merkle.Node, bytes] = {}
        compact = merkle.CompactRange()
        for leaf in self.leaves:
            self.nodes.update(compact.append(merkle.leaf_hash(leaf)))
        self.root = compact.root()

    def get_nodes(self, nodes: Iterable[merkle.Node]) -> Mapping[merkle.Node, bytes]:
        return {n: self.nodes[n] for n in nodes}

    def receipt(self, index: int, cosigners: Iterable[Cosigner] = (WITNESS,)) -> Receipt:
        body = Checkpoint(LOG.name, len(self.leaves), self.root).body()
        note = LOG.sign(body) + "".join(c.cosign(body, 1_700_000_000) for c in cosigners)
        proof = merkle.inclusion_proof(self, index, len(self.leaves))
        return Receipt(index, proof, note, self.leaves[index])


TREE = Tree(f"entry {i}".encode() for i in range(13))


def test_the_spec_example_reads_and_writes_back_to_the_byte() -> None:
    fancy = Signer("example.com/fancylog", Ed25519PrivateKey.generate())
    text = SPEC_HEAD + fancy.sign(SPEC_BODY) + WITNESS.cosign(SPEC_BODY, 1_700_000_000)
    receipt = Receipt.parse(text)
    assert receipt.index == 73894
    assert receipt.extra is not None
    assert receipt.extra.startswith(b"age-v1.2.1-darwin-arm64.tar.gz")
    assert len(receipt.proof) == 5
    assert receipt.proof[0] == base64.b64decode("gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=")
    assert receipt.checkpoint.startswith(SPEC_BODY + "\n— example.com/fancylog ")
    assert str(receipt) == text


def test_a_receipt_without_extra_data_has_no_extra_line() -> None:
    receipt = Receipt(0, [], LOG.sign(Checkpoint(LOG.name, 1, bytes(32)).body()))
    assert str(receipt).startswith("c2sp.org/tlog-proof@v1\nindex 0\n\nperiplus.test/log\n1\n")
    assert Receipt.parse(str(receipt)) == receipt


def test_a_receipt_verifies_offline_and_names_its_witnesses() -> None:
    verified = verify_receipt(TREE.receipt(5), POLICY)
    assert verified.checkpoint.size == 13
    assert verified.cosigned == {"W": 1_700_000_000}
    assert verified.log_key == LOG.verifier


def test_the_leaf_given_wins_over_the_extra_data() -> None:
    receipt = TREE.receipt(5)
    assert verify_receipt(receipt, POLICY, leaf=b"entry 5").checkpoint.size == 13
    with pytest.raises(NoteError, match="does not place this entry at index 5"):
        verify_receipt(receipt, POLICY, leaf=b"entry 6")


def test_a_receipt_for_another_index_is_refused() -> None:
    receipt = TREE.receipt(5)
    moved = Receipt(6, receipt.proof, receipt.checkpoint, receipt.extra)
    with pytest.raises(NoteError, match="index 6"):
        verify_receipt(moved, POLICY)


def test_a_changed_proof_hash_is_refused() -> None:
    receipt = TREE.receipt(5)
    proof = [bytes(32), *receipt.proof[1:]]
    with pytest.raises(NoteError, match="does not place"):
        verify_receipt(Receipt(5, proof, receipt.checkpoint, receipt.extra), POLICY)


def test_a_receipt_without_a_leaf_is_refused() -> None:
    receipt = TREE.receipt(5)
    with pytest.raises(NoteError, match="give the entry's bytes"):
        verify_receipt(Receipt(5, receipt.proof, receipt.checkpoint), POLICY)


def test_a_receipt_short_of_the_quorum_is_refused() -> None:
    with pytest.raises(NoteError, match="does not meet the policy's quorum 'W'"):
        verify_receipt(TREE.receipt(5, cosigners=()), POLICY)


def test_a_receipt_from_an_untrusted_log_is_refused() -> None:
    other = Policy.log_only(Signer(LOG.name, Ed25519PrivateKey.generate()).verifier)
    with pytest.raises(NoteError, match="no signature by a listed key"):
        verify_receipt(TREE.receipt(5), other)


# Refusals of the text format.

GOOD = str(TREE.receipt(2))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        pytest.param(GOOD.replace("@v1", "@v2", 1), "starts with the line", id="version"),
        pytest.param(" " + GOOD, "starts with the line", id="leading-space"),
        pytest.param(GOOD.replace("\n", "\r\n", 1), "starts with the line", id="crlf"),
        pytest.param(
            GOOD.replace("extra ZW50cnkgMg==", "extra ZW50cnkgMg"), "extra data", id="extra-pad"
        ),
        pytest.param(
            GOOD.replace("extra ZW50cnkgMg==", "extra ZW50cnkgMh=="), "canonical", id="extra-bits"
        ),
        pytest.param(GOOD.replace("extra ", "extra  ", 1), "extra data", id="extra-space"),
        pytest.param(GOOD.replace("index 2", "index 02"), "leading zeros", id="index-zero"),
        pytest.param(GOOD.replace("index 2", "index -2"), "index line", id="index-sign"),
        pytest.param(GOOD.replace("index 2", "index +2"), "index line", id="index-plus"),
        pytest.param(GOOD.replace("index 2", "index 2 "), "index line", id="index-trailing"),
        pytest.param(GOOD.replace("index 2", "index \u0662"), "index line", id="index-digit"),
        pytest.param(GOOD.replace("index 2", "Index 2"), "index line", id="index-word"),
        pytest.param(GOOD.replace("index 2\n", ""), "index line", id="index-missing"),
        pytest.param(
            GOOD.replace("index 2\n", "index 2\nextra ZW50cnkgMg==\n"), "base64", id="extra-late"
        ),
    ],
)
def test_malformed_receipts_are_refused(text: str, reason: str) -> None:
    with pytest.raises(ProofFormatError, match=reason):
        Receipt.parse(text)


def test_a_proof_hash_of_the_wrong_length_is_refused() -> None:
    receipt = TREE.receipt(2)
    short = base64.b64encode(receipt.proof[0][:31]).decode()
    text = str(receipt).replace(base64.b64encode(receipt.proof[0]).decode(), short)
    with pytest.raises(ProofFormatError, match="32 bytes"):
        Receipt.parse(text)


def test_a_proof_hash_not_in_canonical_base64_is_refused() -> None:
    with pytest.raises(ProofFormatError, match="canonical"):
        decode_hash("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=")
    with pytest.raises(ProofFormatError, match="not base64"):
        decode_hash("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")


def test_a_receipt_without_its_blank_line_is_refused() -> None:
    with pytest.raises(ProofFormatError, match="blank line"):
        Receipt.parse(GOOD.partition("\n\n")[0] + "\n")
    with pytest.raises(ProofFormatError):
        Receipt.parse(GOOD.replace("\n\n", "\n", 1))


def test_a_receipt_whose_checkpoint_is_not_a_signed_note_is_refused() -> None:
    head, _, _ = GOOD.partition("\n\n")
    with pytest.raises(ProofFormatError, match="checkpoint is malformed"):
        Receipt.parse(head + "\n\n" + Checkpoint(LOG.name, 13, TREE.root).body())


def test_a_receipt_whose_checkpoint_body_is_malformed_is_refused() -> None:
    head, _, _ = GOOD.partition("\n\n")
    with pytest.raises(ProofFormatError, match="checkpoint is malformed"):
        Receipt.parse(head + "\n\n" + LOG.sign("periplus.test/log\n013\nAAAA\n"))


def test_an_empty_line_among_the_proof_lines_is_refused() -> None:
    text = GOOD.replace("index 2\n", "index 2\n\n", 1)
    with pytest.raises(ProofFormatError):
        Receipt.parse(text)


@settings(max_examples=40, deadline=None)
@given(
    size=st.integers(min_value=1, max_value=70),
    data=st.data(),
    extra=st.one_of(st.none(), st.binary(max_size=40)),
)
def test_every_receipt_round_trips_and_verifies(
    size: int, data: st.DataObject, extra: bytes | None
) -> None:
    tree = Tree(i.to_bytes(4, "big") for i in range(size))
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    made = tree.receipt(index)
    receipt = Receipt(index, made.proof, made.checkpoint, extra)
    assert Receipt.parse(str(receipt)) == receipt
    assert verify_receipt(receipt, POLICY, leaf=tree.leaves[index]).checkpoint.size == size
