"""A ledger that is up but has no checkpoint its witnesses' quorum cosigned (as when it
starts) is a normal state for the notifier, not an outage: it is asked again soon, at
the same short interval however long that lasts, nothing is logged as a failure, and
``/readyz`` says what the notifier waits for. A ledger that is down is an outage.

A real ledger over HTTP with a witness policy, the notifier on both databases.
"""

import base64
import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from ledger.cosigning import service as cosigning
from ledger.log.repository import latest_checkpoint
from ledger.testing import SEED, Ledger
from ledger.testing import serve as serve_ledger
from notifier import readiness
from notifier import trust as trust_config
from notifier.ingest.ingestor import Ingestor
from notifier.ingest.reader import LedgerReader
from notifier.main import MIGRATIONS, build
from notifier.settings import Settings
from notifier.testing import SOURCE_SIGNER, life, numbered
from periplus import db, keyfile
from periplus.cosignature import Cosigner
from periplus.follower import Backoff
from periplus.note import Signer, split_note
from periplus.policy import parse_policy
from periplus.readiness import CheckFailedError
from periplus.testing import Server, eventually
from tests.follower.harness import Clock

WITNESS = Cosigner("witness.test/periplus", keyfile.from_seed(base64.b64encode(bytes(32)).decode()))
LOG = Signer("periplus.test/ledger", keyfile.from_seed(SEED))  # ledger.testing's log key
FIRST = 0.5  # the back-off's first delay, and the pace while the ledger has nothing yet
JITTER = 0.2  # the share by which each delay may vary


@dataclass
class Setup:
    ledger: Ledger
    ingestor: Ingestor
    clock: Clock
    policy_file: Path
    stack: ExitStack  # closed, the ledger stops

    def cosign(self) -> None:
        """The witness cosigns the ledger's newest checkpoint, kept as the ledger keeps it."""
        policy = parse_policy(self.policy_file.read_text())
        with Session(self.ledger.engine) as session:
            checkpoint = latest_checkpoint(session)
            assert checkpoint is not None
            when = int(time.time())
            line = WITNESS.cosign(split_note(checkpoint.note)[0], when)
            assert cosigning.record(session, policy, checkpoint, [("w1", line, when)])
            session.commit()

    def retry_in(self) -> float:
        return self.ingestor.follower.backoff.remaining("ledger")


@pytest.fixture
def setup(database_url: str, tmp_path: Path) -> Iterator[Setup]:
    """A ledger holding one trip, signed and not witnessed (the witness's URL answers
    nothing, so only the test cosigns); a notifier pinning its key and the witness."""
    policy_file = tmp_path / "trust.policy"
    policy_file.write_text(
        f"log {LOG.verifier}\nwitness w1 {WITNESS.key} http://127.0.0.1:9\nquorum w1\n"
    )
    with ExitStack() as outer:
        engine = db.make_engine(database_url)
        outer.callback(engine.dispose)
        db.upgrade(engine, MIGRATIONS)
        stack = outer.enter_context(ExitStack())
        ledger = stack.enter_context(
            serve_ledger(f"sqlite:///{tmp_path / 'ledger.db'}", witness_policy_file=policy_file)
        )
        ledger.append(numbered(life(str(uuid.uuid4()))))
        keys = {SOURCE_SIGNER.name: [str(SOURCE_SIGNER.verifier)]}
        trust = trust_config.load(policy_file, keys, ledger.settings.own_source)
        clock = Clock()
        backoff = Backoff("ledger", first=FIRST, most=5.0, jitter=JITTER, clock=clock)
        http = outer.enter_context(httpx.Client(timeout=5))  # outlives the ledger
        reader = LedgerReader(ledger.url, http)
        ingestor = Ingestor(engine, reader, trust, backoff=backoff)
        yield Setup(ledger, ingestor, clock, policy_file, stack)


def failures(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.records
        if r.levelno >= logging.WARNING and r.name.startswith(("periplus", "notifier"))
    ]


def test_a_ledger_awaiting_its_witnesses_is_asked_again_soon_and_is_no_outage(
    setup: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    for _ in range(6):  # however long it lasts, the pace stays the first delay (jittered)
        assert setup.ingestor.catch_up() == 0
        assert 0 < setup.retry_in() <= FIRST * (1 + JITTER)
        assert setup.ingestor.waiting()  # the follower's schedule polls meanwhile
        setup.clock.advance(FIRST * (1 + JITTER))
    assert failures(caplog) == []
    said = [r for r in caplog.records if r.name == "periplus.follower"]
    assert len(said) == 1  # once, as news
    state = readiness.reading(setup.ingestor)
    assert state["signed_size"] is None
    assert "none has met its witnesses' quorum yet" in str(state["pending"])

    setup.cosign()
    assert setup.ingestor.catch_up() == 5
    assert readiness.reading(setup.ingestor) == {"signed_size": 5}
    assert not setup.ingestor.waiting()
    assert failures(caplog) == []


def test_a_ledger_that_is_down_is_an_outage(setup: Setup, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    setup.cosign()
    assert setup.ingestor.catch_up() == 5
    setup.stack.close()  # the ledger stops
    delays = []
    for _ in range(3):
        assert setup.ingestor.catch_up() == 0
        delays.append(setup.retry_in())
        setup.clock.advance(delays[-1])
    assert delays[-1] > 2 * FIRST  # backing off, ever later
    assert [m for m in failures(caplog) if "backing off" in m]
    with pytest.raises(CheckFailedError, match="the ledger cannot be read") as failing:
        readiness.reading(setup.ingestor)
    assert failing.value.details["signed_size"] == 5


def test_readyz_says_what_the_notifier_waits_for(setup: Setup, database_url: str) -> None:
    settings = Settings(
        database_url=database_url,
        ledger_url=setup.ledger.url,
        trust_policy_file=setup.policy_file,
        source_keys={SOURCE_SIGNER.name: [str(SOURCE_SIGNER.verifier)]},
        ledger_source=setup.ledger.settings.own_source,
        kafka_bootstrap="127.0.0.1:9",  # no broker: the follower alone reads the ledger
        ingest_enabled=True,
        webhooks_enabled=False,
        alerts_enabled=False,
    )
    with Server(build(settings)) as server:

        def ledger_check() -> dict[str, Any]:
            ready = httpx.get(f"{server.url}/readyz")
            found: dict[str, Any] = ready.json()["checks"]["ledger"]
            return found if ready.status_code == 200 and "pending" in found else {}

        waiting = eventually(ledger_check)
    assert waiting["status"] == "ok"
    assert waiting["signed_size"] is None
    assert "none has met its witnesses' quorum yet" in waiting["pending"]
