"""C2SP tlog-proof@v1 receipts: proof that an entry is in the log, checkable offline.

A receipt carries the entry's index, its inclusion proof and a (cosigned)
checkpoint; with a pinned policy, anyone can check it years later without
asking the log anything.
"""

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass

from periplus.merkle import leaf_hash, verify_inclusion
from periplus.note import Checkpoint, NoteError, Verifier, split_note
from periplus.policy import Policy, VerifiedCheckpoint

HEADER = "c2sp.org/tlog-proof@v1"
_DECIMAL = re.compile(r"0|[1-9][0-9]*")


class ProofFormatError(ValueError):
    """Text that is not a tlog-proof@v1 receipt."""


def decode_base64(text: str, what: str) -> bytes:
    """Standard base64 in its one canonical spelling, so each value has a single text."""
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise ProofFormatError(f"the {what} is not base64") from exc
    if base64.b64encode(raw).decode() != text:
        raise ProofFormatError(f"the {what} is not in canonical base64")
    return raw


def decode_hash(text: str) -> bytes:
    """One SHA-256 hash of a proof line."""
    raw = decode_base64(text, "proof hash")
    if len(raw) != 32:
        raise ProofFormatError("a proof hash is 32 bytes")
    return raw


@dataclass(frozen=True)
class Receipt:
    index: int
    proof: list[bytes]
    checkpoint: str
    """The signed checkpoint note, cosignatures included, exactly as the log served it."""
    extra: bytes | None = None

    def __str__(self) -> str:
        lines = [HEADER]
        if self.extra is not None:
            lines.append(f"extra {base64.b64encode(self.extra).decode()}")
        lines.append(f"index {self.index}")
        lines += [base64.b64encode(h).decode() for h in self.proof]
        return "\n".join(lines) + "\n\n" + self.checkpoint

    @classmethod
    def parse(cls, text: str) -> "Receipt":
        head, blank, checkpoint = text.partition("\n\n")
        if not blank:
            raise ProofFormatError("a receipt's proof lines end with a blank line")
        lines = head.split("\n")
        if lines[0] != HEADER:
            raise ProofFormatError(f"a receipt starts with the line {HEADER}")
        rest = lines[1:]
        extra = None
        if rest and rest[0].startswith("extra "):
            extra = decode_base64(rest.pop(0).removeprefix("extra "), "extra data")
        number = rest[0].removeprefix("index ") if rest and rest[0].startswith("index ") else ""
        if not _DECIMAL.fullmatch(number):
            raise ProofFormatError("the index line is 'index' and a decimal without leading zeros")
        proof = [decode_hash(line) for line in rest[1:]]
        try:
            Checkpoint.parse_body(split_note(checkpoint)[0])
        except NoteError as exc:
            raise ProofFormatError(f"the receipt's checkpoint is malformed: {exc}") from exc
        return cls(int(number), proof, checkpoint, extra)


def verify_receipt(
    receipt: Receipt,
    policy: Policy,
    leaf: bytes | None = None,
    keys: Sequence[Verifier] | None = None,
) -> VerifiedCheckpoint:
    """Check that ``leaf`` (by default the extra data) is at the receipt's index in a
    checkpoint that the policy accepts (signed by one of ``keys``, the log's keys followed
    from the policy's, if given); raise NoteError saying what fails."""
    data = receipt.extra if leaf is None else leaf
    if data is None:
        raise NoteError("the receipt carries no extra data: give the entry's bytes")
    verified = policy.verify_checkpoint(receipt.checkpoint, keys=keys)
    size, root = verified.checkpoint.size, verified.checkpoint.root
    if not verify_inclusion(leaf_hash(data), receipt.index, size, receipt.proof, root):
        raise NoteError(
            f"the inclusion proof does not place this entry at index {receipt.index} "
            f"of the checkpoint of size {size}"
        )
    return verified
