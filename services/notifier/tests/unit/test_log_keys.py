"""The log keys a notifier takes checkpoints from, as a leaked retired key's holder who
can also answer for the ledger would try them: a second rotation of the retired key to a
key of their own, a statement left out, a size too long to read."""

import base64
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from notifier.ingest.logkeys import LogKeys
from notifier.trust import Trust
from periplus.checks import ROTATION_HEADER
from periplus.note import Checkpoint, NoteError, Signer, cosign
from periplus.policy import parse_policy
from periplus.sources import SourceKeys

ORIGIN = "ledger.example/log"
OLD, NEW, THEIRS = (Signer(ORIGIN, Ed25519PrivateKey.generate()) for _ in range(3))
ROOT = bytes([3]) * 32


def _rotation(old: Signer, new: Signer, size: int | str = 3) -> str:
    root = base64.b64encode(ROOT).decode()
    body = f"{ROTATION_HEADER}\n{ORIGIN}\nold {old.verifier}\nnew {new.verifier}\n{size}\n{root}\n"
    return cosign(body, [old, new])


def _checkpoint(signer: Signer, size: int, root: bytes = bytes(32)) -> str:
    return signer.sign(Checkpoint(ORIGIN, size, root).body())


def _keys(policy: str, served: list[str]) -> LogKeys:
    trust = Trust(parse_policy(policy), SourceKeys(), "example-city/ledger")
    read: Callable[[], list[str]] = lambda: list(served)  # noqa: E731
    return LogKeys(trust, read)


@pytest.mark.parametrize(
    "policy",
    [
        f"log {OLD.verifier}\nquorum none\n",
        f"log {OLD.verifier}\nlog {NEW.verifier}\nquorum none\n",
    ],
    ids=["the old key", "both keys"],
)
def test_a_retired_key_cannot_be_rotated_again_to_another_key(policy: str) -> None:
    served = [_rotation(OLD, NEW)]
    keys = _keys(policy, served)
    assert keys.verify(_checkpoint(NEW, 4)).size == 4
    with pytest.raises(NoteError, match="retired at size 3"):
        keys.verify(_checkpoint(OLD, 100))
    # What is served now holds the leaked key's own rotation, and not the real one.
    served[:] = [_rotation(OLD, THEIRS)]
    with pytest.raises(NoteError, match="retire one key twice"):
        keys.verify(_checkpoint(THEIRS, 100, b"\xee" * 32))
    # A statement left out takes nothing back: the retired key still stops at 3.
    served.clear()
    with pytest.raises(NoteError):
        keys.verify(_checkpoint(OLD, 100))


def test_a_size_too_long_to_read_is_a_refused_statement_not_a_crash() -> None:
    other = Signer(ORIGIN, Ed25519PrivateKey.generate())
    keys = _keys(f"log {OLD.verifier}\nquorum none\n", [_rotation(THEIRS, other, "9" * 5000)])
    with pytest.raises(NoteError, match="the last size the old key signed"):
        keys.verify(_checkpoint(OLD, 4))
