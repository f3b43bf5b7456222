"""Submitting each new checkpoint to the policy's witnesses, as C2SP tlog-witness says.

Each witness gets the newest checkpoint with a consistency proof from the size
it last cosigned; a 409 tells that size, and the request is made again from
it. Witnesses are asked in parallel with short timeouts, so one that is slow
or down delays no other, and a failing one is retried with back-off.
"""

import base64
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import Engine
from sqlmodel import Session

from ledger.cosigning import service
from ledger.log.models import SignedCheckpoint
from ledger.log.repository import NodeStore, latest_checkpoint
from periplus import merkle
from periplus.note import NoteError, split_note
from periplus.policy import Policy, PolicyWitness

log = logging.getLogger(__name__)

COSIGNED_SIZE = Gauge("ledger_witness_size", "The size each witness last cosigned", ["witness"])
FAILURES = Counter("ledger_witness_failures_total", "Failed submissions", ["witness", "reason"])
TO_QUORUM = Histogram(
    "ledger_checkpoint_to_quorum_seconds",
    "From signing a checkpoint to the quorum of cosignatures",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30),
)

MAX_PROOF = 63  # tlog-witness: no more than 63 consistency proof lines
BACKOFF_FIRST, BACKOFF_MAX = 1.0, 60.0


@dataclass(frozen=True)
class Answer:
    """What one witness said of one checkpoint."""

    size: int | None  # the size it now holds, if known
    line: str | None = None  # its cosignature line
    timestamp: int = 0
    problem: str | None = None


class Witnessing(threading.Thread):
    """Asks for cosignatures until the newest checkpoint has one from every witness."""

    def __init__(
        self,
        engine: Engine,
        policy: Policy,
        http: httpx.Client,
        interval: float = 0.5,
    ) -> None:
        super().__init__(name="witnessing", daemon=True)
        self.engine, self.policy, self.http, self.interval = engine, policy, http, interval
        self.witnesses = [w for w in policy.witnesses.values() if w.url]
        self._pool = ThreadPoolExecutor(max(1, len(self.witnesses)), "witness")
        self._halt, self._wake = threading.Event(), threading.Event()
        self._retry_at: dict[str, float] = {}
        self._failures: dict[str, int] = {}
        self._done: dict[str, int] = {}  # witness -> the newest size it cosigned for us

    def notify(self) -> None:
        """A checkpoint was signed: ask at once rather than at the next interval."""
        self._wake.set()

    def stop(self) -> None:
        self._halt.set()
        self._wake.set()
        self.join(timeout=10)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def run(self) -> None:
        while not self._halt.is_set():
            try:
                self.run_once()
            except Exception:
                log.exception("witnessing failed; will retry")
            self._wake.wait(self.interval)
            self._wake.clear()

    def run_once(self) -> bool:
        """Submit the newest checkpoint to each witness that lacks it; True if it met the
        quorum (now or before)."""
        with Session(self.engine) as session:
            checkpoint = latest_checkpoint(session)
            if checkpoint is None:
                return False
            now = time.monotonic()
            due = [
                (witness, service.state(session, witness.name).size)
                for witness in self.witnesses
                if self._done.get(witness.name) != checkpoint.size
                and now >= self._retry_at.get(witness.name, 0.0)
            ]
            requests = {w.name: self._request(session, checkpoint, old) for w, old in due}
        futures = {
            w.name: self._pool.submit(self._ask, w, checkpoint, old, requests[w.name])
            for w, old in due
        }
        answers = {name: future.result() for name, future in futures.items()}
        with Session(self.engine) as session:
            fresh = session.get(SignedCheckpoint, checkpoint.size)
            assert fresh is not None
            for name, answer in answers.items():
                service.note_state(session, name, answer.size, answer.problem)
            cosigned = [(n, a.line, a.timestamp) for n, a in answers.items() if a.line]
            met_before = fresh.witnessed is not None
            met = service.record(session, self.policy, fresh, cosigned)
            session.commit()
        for name, answer in answers.items():
            self._settle(name, checkpoint.size, answer)
        if met and not met_before:
            signed_at = checkpoint.signed_at.replace(tzinfo=checkpoint.signed_at.tzinfo or UTC)
            TO_QUORUM.observe(max(0.0, (datetime.now(UTC) - signed_at).total_seconds()))
        return met

    def _settle(self, name: str, size: int, answer: Answer) -> None:
        if answer.line:
            self._done[name] = size
            COSIGNED_SIZE.labels(name).set(size)
            self._failures.pop(name, None)
            self._retry_at.pop(name, None)
            return
        failures = self._failures.get(name, 0) + 1
        self._failures[name] = failures
        self._retry_at[name] = time.monotonic() + min(
            BACKOFF_FIRST * 2 ** (failures - 1), BACKOFF_MAX
        )

    def _request(self, session: Session, checkpoint: SignedCheckpoint, old: int) -> str | None:
        """The add-checkpoint body from ``old``, or None if no proof can be made from it."""
        if old > checkpoint.size:
            return None
        proof: list[bytes] = []
        if 0 < old < checkpoint.size:
            proof = merkle.consistency_proof(NodeStore(session), old, checkpoint.size)
        if len(proof) > MAX_PROOF:
            return None
        lines = "".join(base64.b64encode(h).decode() + "\n" for h in proof)
        return f"old {old}\n{lines}\n{checkpoint.note}"

    def _ask(
        self, witness: PolicyWitness, checkpoint: SignedCheckpoint, old: int, body: str | None
    ) -> Answer:
        answer = self._post(witness, checkpoint, old, body)
        if answer.problem == "conflict" and answer.size is not None:
            # The witness holds another size: build the proof from there and ask again.
            with Session(self.engine) as session:
                body = self._request(session, checkpoint, answer.size)
            answer = self._post(witness, checkpoint, answer.size, body)
        if answer.problem and answer.problem.startswith("rollback") and self._signed(answer.size):
            # Another process of the log (the writer now) signed past the checkpoint read
            # here, and the witness holds that one: no rollback. The newest is asked next.
            return Answer(answer.size)
        if answer.problem:
            FAILURES.labels(witness.name, answer.problem.split(":")[0]).inc()
            log.warning(
                "a witness did not cosign",
                extra={"witness": witness.name, "size": checkpoint.size, "problem": answer.problem},
            )
        return answer

    def _signed(self, size: int | None) -> bool:
        """Whether the log's newest checkpoint, read afresh, is at least ``size``."""
        with Session(self.engine) as session:
            latest = latest_checkpoint(session)
        return size is not None and latest is not None and latest.size >= size

    def _post(
        self, witness: PolicyWitness, checkpoint: SignedCheckpoint, old: int, body: str | None
    ) -> Answer:
        if body is None:
            return Answer(
                old,
                problem=(
                    f"rollback: the witness holds size {old}, past the log's newest checkpoint "
                    f"({checkpoint.size}); the log may have been rolled back"
                ),
            )
        url = f"{str(witness.url).rstrip('/')}/add-checkpoint"
        try:
            response = self.http.post(url, content=body.encode())
        except httpx.HTTPError as exc:
            return Answer(None, problem=f"unreachable: {exc!r}")
        if response.status_code == 409:
            try:
                return Answer(int(response.text.strip()), problem="conflict")
            except ValueError:
                return Answer(None, problem="malformed: a 409 without a size")
        if response.status_code != 200:
            reason = "inconsistent" if response.status_code == 422 else "refused"
            return Answer(
                None, problem=f"{reason}: answered {response.status_code}: {response.text[:200]}"
            )
        return _cosignature(witness, checkpoint, response.text)


def _cosignature(witness: PolicyWitness, checkpoint: SignedCheckpoint, text: str) -> Answer:
    """The witness's valid cosignature among the lines it answered, checked before keeping."""
    body, _ = split_note(checkpoint.note)
    for line in text.splitlines():
        name, _, blob = line.removeprefix("\u2014 ").rpartition(" ")
        if not line.startswith("\u2014 ") or name != witness.key.name:
            continue
        try:
            signature = base64.b64decode(blob, validate=True)
            if signature[:4] != witness.key.key_id:
                continue
            timestamp = witness.key.verify(body, signature)
        except (ValueError, NoteError) as exc:
            return Answer(None, problem=f"bad cosignature: {exc}")
        return Answer(checkpoint.size, line + "\n", timestamp)
    return Answer(None, problem="no cosignature: the answer carries none by the witness's key")
