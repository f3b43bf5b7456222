"""Key rotation that a verifier can follow without trusting the server.

The statement is a signed note naming the origin, the old and the new
verifier keys and the last checkpoint the old key signed; it carries a
signature by each key. Whoever trusts the old key can check both signatures
and then trust the new one, for every checkpoint after that size.
"""

from datetime import UTC, datetime

from sqlmodel import Session, col, select

from ledger.log.service import sign_checkpoint
from ledger.log.store import latest_checkpoint
from ledger.models import KeyRotation
from periplus.checks import ROTATION_HEADER
from periplus.note import Signer, cosign


def current_key(session: Session, signer: Signer) -> str:
    """The key that signs now: the newest rotation's, else the configured one."""
    last = session.exec(select(KeyRotation).order_by(col(KeyRotation.id).desc()).limit(1)).first()
    return last.new_key if last is not None else str(signer.verifier)


def rotate(session: Session, old: Signer, new: Signer) -> KeyRotation:
    """Sign the tree with the old key, then state the change with both. Caller commits."""
    if old.name != new.name:
        raise ValueError("the new key must carry the log's name")
    if old.verifier == new.verifier:
        raise ValueError("the new key is the old key")
    sign_checkpoint(session, old)
    session.flush()
    checkpoint = latest_checkpoint(session)
    assert checkpoint is not None
    text = (
        f"{ROTATION_HEADER}\n{old.name}\nold {old.verifier}\nnew {new.verifier}\n"
        f"{checkpoint.size}\n"
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
