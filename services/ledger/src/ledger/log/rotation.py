"""Key rotation that a verifier can follow without trusting the server.

The statement is a signed note naming the origin, the old and the new
verifier keys and the last checkpoint the old key signed (its size and root);
it carries a signature by each key. Whoever trusts the old key can check both
signatures and then trust the new one, for every checkpoint after that size;
the old key then vouches for no tree larger than that one, nor for another of
its size.
"""

import base64
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from ledger.log.last_signed import LastSigned
from ledger.log.models import KeyRotation
from ledger.log.repository import latest_checkpoint, tree_size
from ledger.log.service import sign_checkpoint
from periplus.checks import ROTATION_HEADER
from periplus.note import NoteError, Signer, cosign


def current_key(session: Session, signer: Signer) -> str:
    """The key that signs now: the newest rotation's, else the configured one."""
    last = session.exec(select(KeyRotation).order_by(col(KeyRotation.id).desc()).limit(1)).first()
    return last.new_key if last is not None else str(signer.verifier)


class KeyNotInForceError(RuntimeError):
    """This process's key is not the one that signs the log now; it must not sign."""


def check_in_force(session: Session, signer: Signer, made_new: bool = False) -> None:
    """Refuse a key that is not the log's current one: the newest rotation's new key,
    or, before any rotation, the key that signed the newest checkpoint. A standby with
    another key, or a stale seed after a rotation, would sign checkpoints that readers
    who pinned the log's key reject. A key ``made_new`` (its file was missing) is refused
    by a log that holds entries and no checkpoint yet: whoever appended them had a key."""
    last = session.exec(select(KeyRotation).order_by(col(KeyRotation.id).desc()).limit(1)).first()
    if last is not None:
        if last.new_key != str(signer.verifier):
            raise KeyNotInForceError(
                f"the log's key is {last.new_key} since its rotation at size {last.tree_size}, "
                f"not {signer.verifier}"
            )
        return
    latest = latest_checkpoint(session)
    if latest is None:
        size = tree_size(session)
        if made_new and size > 0:
            raise KeyNotInForceError(
                f"the log holds {size} entries and no checkpoint yet, so it had a key before "
                "this one"
            )
        return
    try:
        signer.verifier.verify(latest.note)
    except NoteError as exc:
        raise KeyNotInForceError(
            f"the log's checkpoints were signed by another key than {signer.verifier}"
        ) from exc


def rotate(
    session: Session, old: Signer, new: Signer, last_signed: LastSigned | None = None
) -> KeyRotation:
    """Sign the tree with the old key, then state the change with both. Caller commits."""
    if old.name != new.name:
        raise ValueError("the new key must carry the log's name")
    if old.verifier == new.verifier:
        raise ValueError("the new key is the old key")
    check_in_force(session, old)
    used = session.exec(select(KeyRotation.old_key, KeyRotation.new_key)).all()
    if str(new.verifier) in {key for pair in used for key in pair}:
        # Verifiers follow rotations as one line of keys: a key back in force is a circle.
        raise ValueError("the new key was a key of this log before; make a new one")
    sign_checkpoint(session, old, last_signed)
    session.flush()
    checkpoint = latest_checkpoint(session)
    assert checkpoint is not None
    text = (
        f"{ROTATION_HEADER}\n{old.name}\nold {old.verifier}\nnew {new.verifier}\n"
        f"{checkpoint.size}\n{base64.b64encode(checkpoint.root).decode()}\n"
    )
    rotation = KeyRotation(
        old_key=str(old.verifier),
        new_key=str(new.verifier),
        tree_size=checkpoint.size,
        statement=cosign(text, [old, new]),
        rotated_at=datetime.now(UTC),
    )
    session.add(rotation)
    return rotation
