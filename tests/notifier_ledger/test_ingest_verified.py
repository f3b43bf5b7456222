"""The notifier shows only what the ledger's signed tree holds: a checkpoint that fails
the trust policy, a smaller or another tree, or entries that do not reach the signed root
show nothing, and a notifier without a trust policy does not start.

A real ledger over HTTP (``ledger.testing``) and both databases for the notifier. What
fails is quarantined, counted and listed, never shown.
"""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from ledger.testing import Ledger
from ledger.testing import serve as serve_ledger
from notifier import state
from notifier.main import build
from notifier.settings import Settings
from notifier.testing import TRUST, life, numbered
from notifier.trust import TrustError
from periplus.cosignature import Cosigner
from periplus.note import Signer
from periplus.policy import Policy, PolicyLog, PolicyWitness
from tests.notifier_ledger.ingest import (
    IMPOSTOR,
    LEDGER_KEY,
    ORIGIN,
    metric,
    notifier,
    quarantined,
    shown,
    trip_view,
)


def test_a_checkpoint_signed_by_a_key_not_in_the_policy_shows_nothing(
    database_url: str, ledger: Ledger, tmp_path: Path
) -> None:
    ledger.append(numbered(life(str(uuid.uuid4()))))
    other = Signer(ORIGIN, IMPOSTOR).verifier
    policy = tmp_path / "other.policy"
    policy.write_text(str(Policy.log_only(other)))
    with notifier(database_url, ledger, trust_policy_file=policy) as site:
        before = metric(site, "notifier_checkpoints_refused_total", 'problem="policy"')
        assert state.of(site.app).ingestor.catch_up() == 0
        assert state.of(site.app).ingestor.catch_up() == 0
        assert shown(site) == []
        assert httpx.get(f"{site.url}/feed.json").json()["items"] == []
        [item] = quarantined(site)  # listed once, however often it is refused
        assert (item["kind"], item["ledger_index"]) == ("checkpoint", None)
        assert item["reason"] == (
            "the checkpoint fails the trust policy: the checkpoint carries no signature "
            f"by a listed key of '{ORIGIN}'"
        )
        assert item["raw"].startswith(f"{ORIGIN}\n5\n")
        assert metric(site, "notifier_checkpoints_refused_total", 'problem="policy"') == before + 2


def test_a_checkpoint_without_the_cosignature_the_policy_requires_shows_nothing(
    database_url: str, ledger: Ledger, tmp_path: Path
) -> None:
    ledger.append(numbered(life(str(uuid.uuid4()))))
    witness = Cosigner("witness.test/w1", IMPOSTOR).key
    policy = tmp_path / "witnessed.policy"
    policy.write_text(
        str(Policy([PolicyLog(LEDGER_KEY)], {"w1": PolicyWitness("w1", witness)}, quorum="w1"))
    )
    with notifier(database_url, ledger, trust_policy_file=policy) as site:
        assert state.of(site.app).ingestor.catch_up() == 0
        assert shown(site) == []
        [item] = quarantined(site)
        assert item["kind"] == "checkpoint"
        assert "does not meet the policy's quorum 'w1'" in item["reason"]
    # The same ledger, the same notifier database, a policy without the witness: all shown.
    with notifier(database_url, ledger) as site:
        assert state.of(site.app).ingestor.catch_up() == 5


def test_a_ledger_that_shows_a_smaller_or_another_tree_is_refused(
    database_url: str, tmp_path: Path
) -> None:
    first, second = numbered(life(str(uuid.uuid4()))), numbered(life(str(uuid.uuid4())))
    with serve_ledger(f"sqlite:///{tmp_path / 'a.db'}") as honest:
        honest.append(first)
        with notifier(database_url, honest) as site:
            assert state.of(site.app).ingestor.catch_up() == 5
    # Same key, other histories: what the notifier showed must not be rewritten.
    with serve_ledger(f"sqlite:///{tmp_path / 'b.db'}") as shrunk:
        shrunk.append(first[:3])
        with notifier(database_url, shrunk) as site:
            assert state.of(site.app).ingestor.catch_up() == 0
    with serve_ledger(f"sqlite:///{tmp_path / 'c.db'}") as forked:
        forked.append(second)
        with notifier(database_url, forked) as site:
            assert state.of(site.app).ingestor.catch_up() == 0
            reasons = [(i["kind"], i["reason"]) for i in quarantined(site)]
            assert reasons == [
                (
                    "checkpoint",
                    "the checkpoint of size 3 is smaller than the tree of size 5 verified already",
                ),
                ("checkpoint", "the checkpoint of size 5 signs another root than ours"),
            ]
            assert shown(site) == [0, 1, 2, 3, 4]
            view = trip_view(site, str(first[0].trip_id))
            assert view is not None
            assert view.status == "reported"


def test_entries_that_do_not_reach_the_signed_root_are_refused(
    database_url: str, ledger: Ledger
) -> None:
    events = numbered(life(str(uuid.uuid4())))
    ledger.append(events)
    altered = events[1].model_copy(update={"occurred_at": "2026-01-01T00:00:00.000Z"})
    with ledger.engine.begin() as connection:  # an operator rewriting the ledger's bytes
        connection.execute(
            text('UPDATE entry SET leaf = :leaf WHERE "index" = 1'), {"leaf": altered.leaf}
        )
    with notifier(database_url, ledger) as site:
        assert state.of(site.app).ingestor.catch_up() == 0
        assert shown(site) == []
        [item] = quarantined(site)
        assert item["reason"] == (
            "the ledger's entries 0..4 do not hash to the root that its checkpoint of size 5 signs"
        )


def test_a_notifier_without_a_trust_policy_refuses_to_start(database_url: str) -> None:
    settings = Settings(database_url=database_url, ingest_enabled=False, **TRUST)
    with pytest.raises(TrustError, match=r"^NOTIFIER_TRUST_POLICY_FILE is not set"):
        build(settings.model_copy(update={"trust_policy_file": None}))
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOTIFIER_")}
    env["NOTIFIER_DATABASE_URL"] = database_url
    done = subprocess.run(
        [str(Path(sys.executable).parent / "notifier"), "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("notifier: NOTIFIER_TRUST_POLICY_FILE is not set")


def test_the_pinned_test_policy_names_the_test_ledgers_key() -> None:
    policy = TRUST["trust_policy_file"].read_text()
    assert policy.endswith(str(Policy.log_only(LEDGER_KEY)))
