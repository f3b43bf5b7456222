"""Cosigning a checkpoint only if it extends the one cosigned before, atomically.

The stored size moves by a conditional UPDATE (``WHERE size = old``), so two
racing submissions can never both pass the check and roll the log back: the
second finds the size moved and gets a 409 with the new size.
"""

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NoReturn

from prometheus_client import Counter
from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from periplus import db
from periplus.cosignature import Cosigner
from periplus.errors import ProblemError
from periplus.merkle import EMPTY_ROOT, verify_consistency
from periplus.note import SIGNATURE_PREFIX, NoteError, Verifier
from periplus.policy import Policy, PolicyLog
from witness.models import Evidence, LogState
from witness.request import RequestError, Submission, parse_submission

ATTEMPTS = 3
"""Tries when a racing request for the same size stored first; any other race is a 409."""


class StaleSizeError(Exception):
    """The client's old size is not the stored one: tlog-witness's 409, with the stored size."""

    def __init__(self, size: int) -> None:
        super().__init__(f"the latest cosigned size is {size}")
        self.size = size


@dataclass(frozen=True)
class _Stored:
    size: int
    root: bytes
    note: str | None


_NEVER = _Stored(0, EMPTY_ROOT, None)

NOT_KEPT = Counter(
    "witness_evidence_not_kept_total",
    "Refused checkpoints not kept, their log's evidence being full (WITNESS_EVIDENCE_PER_LOG)",
    ["kind"],
)


def origin_hash(origin: str) -> str:
    """The monitoring path's name for a log: lowercase hex SHA-256 of its origin."""
    return hashlib.sha256(origin.encode()).hexdigest()


class Witness:
    def __init__(
        self,
        engine: Engine,
        cosigner: Cosigner,
        logs: dict[str, list[Verifier]],
        evidence_per_log: int = 1000,
    ) -> None:
        self.engine, self.cosigner, self.evidence_per_log = engine, cosigner, evidence_per_log
        self.policies = {
            origin: Policy([PolicyLog(key) for key in keys], {}) for origin, keys in logs.items()
        }

    def add_checkpoint(self, body: bytes) -> str:
        """The cosignature line for a submitted checkpoint, or the refusal tlog-witness names."""
        try:
            submission = parse_submission(body)
        except RequestError as exc:
            raise ProblemError(400, "Malformed submission", str(exc)) from exc
        origin = submission.checkpoint.origin
        policy = self.policies.get(origin)
        if policy is None:
            raise ProblemError(404, "Unknown log", f"This witness does not cosign {origin!r}.")
        try:
            log_key = policy.verify_checkpoint(submission.note).log_key
        except NoteError as exc:
            raise ProblemError(403, "Not signed by the log", str(exc)) from exc
        if submission.old_size > submission.checkpoint.size:
            raise ProblemError(400, "Malformed submission", "The old size exceeds the new size.")
        for _ in range(ATTEMPTS):
            stored = self._stored(origin)
            self._check(submission, stored, body)
            cosignature = self.cosigner.cosign(submission.text)
            if self._store(submission, stored, _cosigned(submission, log_key, cosignature)):
                return cosignature
        raise StaleSizeError(self._stored(origin).size)

    def latest(self, hashed_origin: str) -> str | None:
        """The latest cosigned checkpoint of a log, for monitors."""
        query = select(col(LogState.note)).where(col(LogState.origin_hash) == hashed_origin)
        with db.reading(self.engine) as connection:
            return connection.execute(query).scalar_one_or_none()

    def evidence(self, after: int, limit: int) -> list[Evidence]:
        query = (
            select(Evidence).where(col(Evidence.id) > after).order_by(col(Evidence.id)).limit(limit)
        )
        with db.reading(self.engine) as connection, Session(bind=connection) as session:
            return list(session.scalars(query))

    def _stored(self, origin: str) -> _Stored:
        query = select(col(LogState.size), col(LogState.root), col(LogState.note)).where(
            col(LogState.origin) == origin
        )
        with db.reading(self.engine) as connection:
            row = connection.execute(query).one_or_none()
        return _NEVER if row is None else _Stored(row.size, row.root, row.note)

    def _check(self, submission: Submission, stored: _Stored, body: bytes) -> None:
        old, checkpoint = submission.old_size, submission.checkpoint
        if old != stored.size:
            raise StaleSizeError(stored.size)
        if checkpoint.size == 0 and checkpoint.root != EMPTY_ROOT:
            self._refuse(submission, stored, body, "empty-root", "A size 0 tree has another root.")
        if old == 0 and submission.proof:
            raise ProblemError(422, "Inconsistent", "From size 0, the proof must be empty.")
        if checkpoint.size == old and checkpoint.root != stored.root:
            self._refuse(
                submission, stored, body, "fork", f"Another root for size {old}: a fork of the log."
            )
        if checkpoint.size == old and submission.proof:
            raise ProblemError(422, "Inconsistent", "From a size to itself, the proof is empty.")
        if not verify_consistency(
            old, checkpoint.size, stored.root, checkpoint.root, submission.proof
        ):
            self._refuse(
                submission,
                stored,
                body,
                "unproven",
                f"The proof does not show that size {checkpoint.size} extends size {old}.",
            )

    def _refuse(
        self, submission: Submission, stored: _Stored, body: bytes, kind: str, reason: str
    ) -> NoReturn:
        """Keep a validly signed but inconsistent checkpoint, once, then refuse it (422)."""
        evidence = Evidence(
            digest=hashlib.sha256(submission.text.encode()).hexdigest(),
            origin=submission.checkpoint.origin,
            size=submission.checkpoint.size,
            kind=kind,
            reason=reason,
            submission=body.decode(),
            cosigned=stored.note,
            received_at=datetime.now(UTC),
        )
        try:
            with Session(self.engine) as session:
                kept = session.scalar(
                    select(func.count())
                    .select_from(Evidence)
                    .where(col(Evidence.origin) == evidence.origin)
                )
                if (kept or 0) < self.evidence_per_log:
                    session.add(evidence)
                    session.commit()
                else:
                    NOT_KEPT.labels(kind).inc()
        except IntegrityError:
            pass  # this checkpoint is already on record
        raise ProblemError(422, "Inconsistent", reason)

    def _store(self, submission: Submission, stored: _Stored, note: str) -> bool:
        """Move the stored checkpoint if nobody moved it since it was read."""
        checkpoint = submission.checkpoint
        values = {
            "size": checkpoint.size,
            "root": checkpoint.root,
            "note": note,
            "updated_at": datetime.now(UTC),
        }
        try:
            with self.engine.begin() as connection:
                if stored.note is None:
                    connection.execute(
                        insert(LogState).values(
                            origin=checkpoint.origin,
                            origin_hash=origin_hash(checkpoint.origin),
                            **values,
                        )
                    )
                    return True
                moved = connection.execute(
                    update(LogState)
                    .where(
                        col(LogState.origin) == checkpoint.origin,
                        col(LogState.size) == stored.size,
                        col(LogState.root) == stored.root,
                    )
                    .values(**values)
                )
                return moved.rowcount == 1
        except IntegrityError:
            return False


def _cosigned(submission: Submission, log_key: Verifier, cosignature: str) -> str:
    """The checkpoint with the log signature the witness checked and its own cosignature."""
    lines = [
        f"{SIGNATURE_PREFIX}{name} {base64.b64encode(signature).decode()}\n"
        for name, signature in submission.signatures
        if (name, signature[:4]) == (log_key.name, log_key.key_id)
    ]
    return f"{submission.text}\n{''.join(lines)}{cosignature}"
