"""The log's keys the notifier accepts a checkpoint from: the policy's, and those that the
log's rotation statements lead to from them.

A statement counts only when both its keys signed it (``periplus.checks.key_chain``), so
the ledger cannot make a key up; a retired key vouches for no checkpoint larger than the
one it signed last, nor for another root of that size. The statements are read again
whenever a checkpoint is signed by another key than the one before: at a rotation, the
notifier learns it before it takes the new key's word, and a policy that still names
the old key keeps working. Every statement followed is kept (``LogRotation``) and
followed again with what the ledger serves: a server that leaves one out, or a restart,
gives a retired key back none of its reach, and a second rotation of a retired key (a
leaked key naming a successor of its own) is refused with the first. Every key of the
log signs the ledger's own notices, under the ledger's source.
"""

import contextlib
import hashlib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from notifier.ingest.models import LogRotation
from notifier.trust import Trust
from periplus.checks import Chain, VerificationFailedError, followed, within_reach
from periplus.note import Checkpoint, NoteError, Verifier


class LogKeys:
    def __init__(
        self, trust: Trust, statements: Callable[[], Sequence[str]], engine: Engine | None = None
    ) -> None:
        self.trust, self.policy, self.statements = trust, trust.policy, statements
        self.engine = engine  # where followed statements are kept; None: in memory only
        self.keys: Chain | None = None  # None until the statements were read
        self.seen: list[str] = []  # every statement followed, for the pages' own check
        self.last: Verifier | None = None  # the key of the last checkpoint taken

    def verify(self, note: str) -> Checkpoint:
        """The checkpoint, if a key of the log signed it within its reach and it meets the
        policy's witness quorum; NoteError saying why not. Reading the statements may
        raise the reader's own error (the ledger is down: try again later)."""
        if self.keys is None:
            self.seen = self._kept()
            self.follow()
        try:
            checkpoint, key = self._check(note)
        except NoteError:
            self.follow()  # the log may have rotated its key since they were read
            checkpoint, key = self._check(note)
        if key != self.last:
            if self.last is not None:
                self.follow()  # another key: learn the rotation before taking its word
                checkpoint, key = self._check(note)
            self.last = key
        return checkpoint

    def follow(self) -> None:
        """Follow the statements kept and those the ledger serves from each key of the
        policy, a key retired in any line at its smallest reach; keep the new ones."""
        served = [s for s in self.statements() if s not in self.seen]
        statements = [*self.seen, *served]
        try:
            keys = followed([log.key for log in self.policy.logs], statements)
        except VerificationFailedError as exc:
            raise NoteError(f"the log's key rotations: {exc}") from exc
        self._keep(served)
        self.keys, self.seen = keys, statements
        for key in self.keys:  # the ledger signs its notices with its log key in force
            name = self.trust.ledger_source
            self.trust.sources.trust(name, Verifier(name, key.verifier.public_key))

    def _check(self, note: str) -> tuple[Checkpoint, Verifier]:
        keys = self.keys or []
        verified = self.policy.verify_checkpoint(note, keys=[k.verifier for k in keys])
        try:
            within_reach(keys, verified.log_key, verified.checkpoint, "the checkpoint")
        except VerificationFailedError as exc:
            raise NoteError(exc.detail) from exc
        return verified.checkpoint, verified.log_key

    def _kept(self) -> list[str]:
        if self.engine is None:
            return []
        with Session(self.engine) as session:
            rows = session.exec(select(LogRotation).order_by(col(LogRotation.followed_at)))
            return [row.statement for row in rows]

    def _keep(self, statements: list[str]) -> None:
        if self.engine is None or not statements:
            return
        moment = datetime.now(UTC)
        for statement in statements:
            digest = hashlib.sha256(statement.encode()).hexdigest()
            with Session(self.engine) as session, contextlib.suppress(IntegrityError):
                if session.get(LogRotation, digest) is None:  # another replica may keep it
                    session.add(LogRotation(digest=digest, statement=statement, followed_at=moment))
                    session.commit()
