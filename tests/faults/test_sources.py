"""Other configured sources misbehave: one sends poison, one accepts and never answers.

The city's own trips-api goes on approving meanwhile; no other source's
trouble may hold its facts back, and nothing any source sends is passed in
silence: what the log cannot take holds that source alone, until an operator
moves past it with a public notice (``ledger resolve``).
"""

import json
import subprocess
import time
import uuid
from typing import Any

import pytest

from periplus import sources
from periplus.testing import eventually
from tests.e2e.system import BIN
from tests.faults.figures import record
from tests.faults.invariants import check, settle
from tests.faults.other_sources import (
    OTHER,
    SILENT,
    STRANGER,
    CatchUp,
    publish,
    signed,
    trip,
)
from tests.faults.stack import Stack

# Refusing and quarantining are the same on both databases, but for a NUL, which only
# PostgreSQL cannot store: there.
pytestmark = [pytest.mark.e2e, pytest.mark.databases("postgresql")]

LOAD = 40


def quarantined(stack: Stack, reason: str) -> bool:
    """Whether the ledger lists an event refused for ``reason``."""
    found = stack.ledger.get("/v1/log/quarantine").json()["events"]
    return any(reason in event["reason"] for event in found)


def held(stack: Stack) -> list[dict[str, Any]]:
    return list(stack.readiness(stack.ledger)["sources"].get("held", []))


def test_poison_from_a_second_source_holds_that_source_alone_until_resolved_in_public(
    stack: Stack, catch_up: CatchUp, fault_db: str
) -> None:
    """A second configured source sends an entry of an odd shape (``departments: 5``), one
    with a NUL character, another under the same seq signed by a stranger, then a good
    one: the city's approvals flow meanwhile, the source is held at the NUL's seq (shown
    in ``/readyz``), the notifier shows what the log took, and after ``ledger resolve``,
    made while the ledgers run, the good one is logged: every fact once, in order."""
    odd = signed(OTHER, 2, {"trip": {**trip("OTH-2")["trip"], "departments": 5}})
    nul = signed(OTHER, 3, trip("OTH\x003"))
    good = [signed(OTHER, 1, trip("OTH-1")), odd, signed(OTHER, 4, trip("OTH-4"))]
    catch_up.events = [good[0], odd, nul, good[2]]
    with stack.load(LOAD) as load:
        load.wait_for(LOAD // 4)
        publish(
            stack.system.broker,
            [good[0], odd, nul, signed(STRANGER, 3, trip("OTH-3")), good[2]],
        )
        started = time.monotonic()
    stack.extra[OTHER.name] = good[:2]
    recovery = settle(stack, started)
    assert [(h["source"], h["seq"]) for h in eventually(lambda: held(stack))] == [(OTHER.name, 3)]
    eventually(lambda: quarantined(stack, "control character U+0000"), timeout=60)
    eventually(lambda: quarantined(stack, f"which is not a key of {OTHER.name}"), timeout=60)
    (odd_index,) = [e["index"] for e in stack.entries() if e["event"]["id"] == odd["id"]]
    refused = stack.public.get("/v1/quarantine").json()["items"]
    # Off the contract, yet signed and logged: the notifier shows it, marked as such.
    assert odd_index not in {item["ledger_index"] for item in refused}
    check(stack)

    # The operator resolves while the ledgers run: the writer applies the queued decision.
    system = stack.system
    done = subprocess.run(
        [
            *(str(BIN / "ledger"), "resolve", "--source", OTHER.name, "--seq", "3"),
            *("--reason", "the source sent a NUL character in a reference", "--wait", "60"),
        ],
        env=system.env,
        cwd=system.workdir,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "applied by the writer: seq 3 of" in done.stdout, done.stdout
    stack.extra[OTHER.name] = good
    settle(stack, time.monotonic())
    assert held(stack) == []
    record("poison events from a second configured source", fault_db, check(stack), recovery)


def test_a_source_that_accepts_and_never_answers_costs_the_others_nothing_lost(
    stack: Stack, fault_db: str
) -> None:
    """A configured source whose catch-up endpoint takes connections and never answers
    sends seq 1 and 3 (2 lost on the way): the gap fetch times out and backs off, the
    city's approvals are logged and shown meanwhile, and when the source's relay sends
    2 and 3 again its facts are logged once, in order."""
    events = [silent_event(seq) for seq in (1, 2, 3)]
    with stack.load(LOAD) as load:
        load.wait_for(LOAD // 4)
        publish(stack.system.broker, [events[0], events[2]])
        started = time.monotonic()
    stack.extra[SILENT.name] = events[:1]
    recovery = settle(stack, started)
    publish(stack.system.broker, events[1:])
    stack.extra[SILENT.name] = events
    settle(stack, time.monotonic())
    record("a source that accepts and never answers", fault_db, check(stack), recovery)


def silent_event(seq: int) -> dict[str, Any]:
    envelope = sources.sign(
        SILENT, seq=seq, type_="trip.approved", trip_id=uuid.uuid4(), data=trip(f"SIL-{seq}")
    )
    return dict(json.loads(envelope.model_dump_json(exclude_none=True)))
