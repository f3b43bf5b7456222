"""What must hold after every fault, checked the same way at the end of every test.

1. Every approved fact is in the ledger once, in ``seq`` order, and nothing else
   of those sources is.
2. Every pair of signed checkpoints is consistent: each verifies under the
   pinned log key, no size has two roots, and consistency proofs served by
   the ledger verify between each checkpoint and the next and between each
   and the newest (consistency is transitive, so every pair follows); the
   newest root is that of the entries served.
3. Every webhook id was accepted by the receiver at least once and never sent
   twice at the same time, and every approval of the city's has one.
4. The notifier is caught up: it has verified and shown the whole log.
"""

import base64
import itertools
import time
from dataclasses import dataclass
from typing import Any

import httpx

from periplus import merkle
from periplus.keyfile import from_seed
from periplus.note import Signer, open_checkpoint
from periplus.testing import eventually
from tests.e2e.system import LEDGER_ORIGIN, LEDGER_SEED, SOURCE
from tests.faults.stack import Stack

PINNED = Signer(LEDGER_ORIGIN, from_seed(LEDGER_SEED)).verifier


@dataclass(frozen=True)
class Outcome:
    lost: int
    duplicated: int


def caught_up(stack: Stack) -> bool:
    """The ledger holds every approved fact and the notifier has verified all of it."""
    try:
        expected = stack.expected()
        entries = stack.entries()
        verified = stack.readiness(stack.public)["verified"]
    except (httpx.HTTPError, KeyError, ValueError):
        return False  # a process is still coming back
    logged = {e["event"]["id"] for e in entries if e["event"] is not None}
    wanted = {event["id"] for events in expected.values() for event in events}
    return (
        wanted <= logged
        and verified.get("tree_size") == len(entries)
        and verified.get("waiting") == 0
    )


def settle(stack: Stack, started: float, timeout: float = 120) -> float:
    """Seconds from ``started`` until the system is caught up again and the receiver
    has had every webhook."""
    eventually(
        lambda: caught_up(stack) and _all_delivered(stack) is not None,
        timeout=timeout,
        interval=0.1,
    )
    return time.monotonic() - started


def check(stack: Stack) -> Outcome:
    """Every promise above; the events lost and duplicated (both 0, or it fails)."""
    entries = stack.entries()
    outcome = facts_once_in_order(stack.expected(), entries)
    checkpoints_consistent(stack, entries)
    webhooks_delivered(stack, entries)
    notifier_caught_up(stack, entries)
    return outcome


def facts_once_in_order(
    expected: dict[str, list[dict[str, Any]]], entries: list[dict[str, Any]]
) -> Outcome:
    lost = duplicated = 0
    for source, events in expected.items():
        logged = [e["event"] for e in entries if e["event"] and e["event"]["source"] == source]
        ids = [event["id"] for event in logged]
        duplicated += len(ids) - len(set(ids))
        lost += len({event["id"] for event in events} - set(ids))
        seqs = [event["seq"] for event in logged]
        assert seqs == sorted(set(seqs)), f"{source}: seqs out of order or repeated: {seqs}"
        assert logged == events, f"{source}: the log differs from what the source approved"
    assert (lost, duplicated) == (0, 0)
    return Outcome(lost, duplicated)


def checkpoints_consistent(stack: Stack, entries: list[dict[str, Any]]) -> None:
    notes = set(stack.watcher.notes)
    after = -1
    while True:
        page = stack.ledger.get("/v1/log/checkpoints", params={"after": after}).json()
        rows = page["checkpoints"]
        if not rows:
            break
        notes.update(row["note"] for row in rows)
        after = rows[-1]["size"]
    roots: dict[int, bytes] = {}
    for note in notes:
        checkpoint = open_checkpoint(note, PINNED, LEDGER_ORIGIN)
        found = roots.setdefault(checkpoint.size, checkpoint.root)
        assert found == checkpoint.root, f"two roots signed for size {checkpoint.size}"
    sizes = sorted(roots)
    assert sizes, "no checkpoint"
    assert sizes[-1] == len(entries), "the newest checkpoint covers the whole log"
    pairs = set(itertools.pairwise(sizes)) | {(size, sizes[-1]) for size in sizes}
    for first, second in sorted(pairs):
        proof = stack.ledger.get(
            "/v1/log/proof/consistency", params={"first": first, "second": second}
        ).json()["hashes"]
        assert merkle.verify_consistency(
            first, second, roots[first], roots[second], [base64.b64decode(h) for h in proof]
        ), f"checkpoints {first} and {second} are not consistent"
    leaves = [base64.b64decode(e["leaf"]) for e in entries]
    assert merkle.root_from_leaves(leaves) == (sizes[-1], roots[sizes[-1]])


def webhooks_delivered(stack: Stack, entries: list[dict[str, Any]]) -> None:
    approved = {e["index"] for e in entries if e["event"] and e["event"]["source"] == SOURCE}

    def queued_and_delivered() -> list[dict[str, Any]] | None:
        """Every delivery, once every approval is queued (notices are queued after a
        catch-up) and each delivery is delivered."""
        deliveries = _all_delivered(stack)
        if deliveries is None or not approved <= {d["ledger_index"] for d in deliveries}:
            return None
        return deliveries

    deliveries = eventually(queued_and_delivered, timeout=90)
    accepted = {r.headers["webhook-id"] for r in stack.receiver.accepted()}
    missing = {d["id"] for d in deliveries} - accepted
    assert not missing, f"deliveries marked delivered that the receiver never accepted: {missing}"
    assert not stack.receiver.overlapped, "a webhook id was sent twice at the same time"
    indexes = [d["ledger_index"] for d in deliveries]
    assert len(indexes) == len(set(indexes)), "one delivery per entry"


def _all_delivered(stack: Stack) -> list[dict[str, Any]] | None:
    """Every delivery of the subscription, if each is delivered."""
    subscription = stack.subscription
    deliveries: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 500, **({"before": cursor} if cursor else {})}
        page = stack.public.get(
            f"/v1/subscriptions/{subscription.id}/deliveries",
            params=params,
            headers={"Authorization": f"Bearer {subscription.token}"},
        ).json()
        deliveries += page["deliveries"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    if any(d["status"] != "delivered" for d in deliveries):
        return None
    return deliveries


def notifier_caught_up(stack: Stack, entries: list[dict[str, Any]]) -> None:
    size = len(entries)
    verified = eventually(
        lambda: (v := stack.readiness(stack.public)["verified"])["tree_size"] == size and v,
        timeout=60,
    )
    assert verified["waiting"] == 0
    approved = [e["index"] for e in entries if e["event"] and e["event"]["source"] == SOURCE]
    feed = stack.public.get("/feed.json").json()["items"]
    shown = {item["_periplus"]["ledger_index"] for item in feed}
    assert not approved or approved[-1] in shown, "the feed shows the newest approval"
