"""The add-checkpoint request body of C2SP tlog-witness, read strictly.

A witness signs what it reads, so it reads only the one spelling the spec
allows: anything else is a 400 before any key or state is looked at.
"""

import re
from dataclasses import dataclass

from periplus.note import Checkpoint, NoteError, split_note
from periplus.proof import ProofFormatError, decode_hash

MAX_PROOF_LINES = 63
MAX_SIZE = 2**63 - 1
"""The largest tree size stored; a uint64 above it cannot be kept in a signed BIGINT."""

# A uint64 has at most 20 digits: a longer size is refused before Python reads it as a
# number (past 4300 digits it would raise ValueError, a 500).
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,19}")
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")


class RequestError(ValueError):
    """A body that is not an add-checkpoint request."""


@dataclass(frozen=True)
class Submission:
    old_size: int
    proof: list[bytes]
    note: str
    """The signed checkpoint, as submitted."""
    text: str
    """The checkpoint's note text: what the log signed and what a cosignature covers."""
    checkpoint: Checkpoint
    signatures: list[tuple[str, bytes]]


def parse_submission(body: bytes) -> Submission:
    try:
        decoded = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RequestError("the body is not UTF-8") from exc
    head, blank, note = decoded.partition("\n\n")
    if not blank:
        raise RequestError("the body is an old size line, proof lines, a blank line, a checkpoint")
    lines = head.split("\n")
    old = lines[0].removeprefix("old ") if lines[0].startswith("old ") else ""
    if not _DECIMAL.fullmatch(old):
        raise RequestError(
            "the first line is 'old' and a decimal size without leading zeros, of 20 digits at most"
        )
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise RequestError(f"a consistency proof has at most {MAX_PROOF_LINES} lines")
    try:
        proof = [decode_hash(line) for line in lines[1:]]
    except ProofFormatError as exc:
        raise RequestError(str(exc)) from exc
    text, signatures, checkpoint = _checkpoint(note)
    return Submission(int(old), proof, note, text, checkpoint, signatures)


def _checkpoint(note: str) -> tuple[str, list[tuple[str, bytes]], Checkpoint]:
    if _CONTROL.search(note):
        raise RequestError("a signed note has no control characters but newlines")
    try:
        text, signatures = split_note(note)
        checkpoint = Checkpoint.parse_body(text)
    except NoteError as exc:
        raise RequestError(f"the checkpoint is malformed: {exc}") from exc
    canonical = checkpoint.body()
    if not text.startswith(canonical):
        raise RequestError("the checkpoint's size or root is not in its one canonical form")
    if "" in text[len(canonical) :].split("\n")[:-1]:
        raise RequestError("a checkpoint's extension lines are never empty")
    if checkpoint.size > MAX_SIZE:
        raise RequestError(f"tree sizes above {MAX_SIZE} are not supported")
    return text, signatures, checkpoint
