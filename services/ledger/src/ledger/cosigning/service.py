"""Recording witnesses' cosignatures and serving the checkpoint a policy accepts.

A checkpoint counts for readers once the witnesses that cosigned it meet the
policy's quorum; it is then kept with every cosignature collected, so a
reader with the same policy can check it offline.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from ledger.cosigning.models import Cosignature, WitnessState
from ledger.log.models import SignedCheckpoint
from ledger.log.repository import latest_checkpoint
from periplus.policy import Policy


def record(
    session: Session,
    policy: Policy,
    checkpoint: SignedCheckpoint,
    cosigned: Sequence[tuple[str, str, int]],
) -> bool:
    """Keep cosignatures ``(witness, line, timestamp)`` of ``checkpoint``; return whether
    the checkpoint now meets the quorum (its ``witnessed`` note is then up to date)."""
    for witness, line, timestamp in cosigned:
        session.merge(
            Cosignature(size=checkpoint.size, witness=witness, line=line, timestamp=timestamp)
        )
    session.flush()
    rows = session.exec(
        select(Cosignature)
        .where(col(Cosignature.size) == checkpoint.size)
        .order_by(col(Cosignature.witness))
    ).all()
    if not policy.satisfied(row.witness for row in rows):
        return False
    checkpoint.witnessed = checkpoint.note + "".join(row.line for row in rows)
    session.add(checkpoint)
    return True


def state(session: Session, witness: str) -> WitnessState:
    found = session.get(WitnessState, witness)
    return found or WitnessState(witness=witness, size=0, checked_at=datetime.now(UTC))


def note_state(session: Session, witness: str, size: int | None, problem: str | None) -> None:
    """Remember what a witness said: the size it holds, or the problem it had."""
    row = state(session, witness)
    if size is not None:
        row.size = size
    row.problem, row.checked_at = problem, datetime.now(UTC)
    session.add(row)


def witnessed_checkpoint(session: Session) -> SignedCheckpoint | None:
    """The newest checkpoint whose cosignatures meet the quorum."""
    return session.exec(
        select(SignedCheckpoint)
        .where(col(SignedCheckpoint.witnessed).is_not(None))
        .order_by(col(SignedCheckpoint.size).desc())
        .limit(1)
    ).first()


def states(session: Session) -> list[WitnessState]:
    return list(session.exec(select(WitnessState).order_by(col(WitnessState.witness))).all())


def served(session: Session, policy: Policy | None) -> SignedCheckpoint | None:
    """The checkpoint readers get: with a policy, the newest that meets its quorum."""
    if policy is None:
        return latest_checkpoint(session)
    return witnessed_checkpoint(session)


def served_note(checkpoint: SignedCheckpoint, policy: Policy | None) -> str:
    return checkpoint.witnessed if policy is not None and checkpoint.witnessed else checkpoint.note
