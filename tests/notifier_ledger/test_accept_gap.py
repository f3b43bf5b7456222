"""``notifier accept-gap``: the way out of a gap that freezes a source, as a public decision.

The ledger's database is moved past seq 2 with no notice, so the notifier refuses seq 3
on (``test_ingest_sequence``). The site's operator accepts the gap: the refused entries
are shown again in log order, the decision is listed on ``/notices`` and ``/readyz`` no
longer fails for them, while an older seq logged again (a replay) stays refused. The
command refuses where the source is not held. A real ledger over HTTP (SQLite), the
notifier on both databases, the command as its own process.
"""

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from ledger.log.service import sign_checkpoint
from ledger.log.withhold import withhold
from ledger.testing import Ledger
from notifier import state
from notifier.channels.models import Delivery
from notifier.channels.webhooks import fanout
from notifier.channels.webhooks import service as webhooks_service
from notifier.channels.webhooks.schemas import SubscriptionCreate
from notifier.publish.models import TripView
from notifier.testing import SOURCE_SIGNER, Site, life, numbered, serve, words
from periplus.events import Envelope
from tests.notifier_ledger.ingest import quarantined, shown
from tests.notifier_ledger.test_ingest_sequence import (
    append_again,
    append_past_a_dropped_seq,
    sequence_check,
)

SOURCE = SOURCE_SIGNER.name
REASON = "The city confirmed in writing that its seq 2 was never issued (ticket 4411)."


SAID = {
    "es": "Este sitio siguió adelante pese a un hueco en el registro que ningún aviso público",
    "fr": "Ce site a passé un trou dans le registre qu'aucun avis public n'explique\u00a0:",
    "pt_BR": "Este site seguiu adiante apesar de uma lacuna no registro que nenhum aviso",
}


@pytest.fixture
def site(database_url: str, ledger: Ledger) -> Iterator[Site]:
    yield from serve(database_url, ledger_url=ledger.url)


def accept_gap(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOTIFIER_")}
    env["NOTIFIER_DATABASE_URL"] = database_url
    command = [str(Path(sys.executable).parent / "notifier"), "accept-gap", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def frozen(ledger: Ledger, site: Site) -> tuple[str, list[Envelope]]:
    """Seq 1 shown; seq 2 dropped with no notice; seqs 3 to 5 (entries 1 to 3) refused."""
    trip = str(uuid.uuid4())
    events = numbered(life(trip, "MVD-2026-0071"))
    append_past_a_dropped_seq(ledger, events)
    assert state.of(site.app).ingestor.catch_up() == 1
    assert shown(site) == [0]
    assert sequence_check(site)["status"] == "failing"
    return trip, events


def followups(site: Site, trip: str) -> list[str]:
    with Session(state.of(site.app).engine) as session:
        view = session.get(TripView, trip)
        assert view is not None
        return [f.status.value for f in view.state.followups]


def test_an_accepted_gap_shows_the_held_entries_in_order_and_says_so_in_public(
    ledger: Ledger, site: Site, database_url: str
) -> None:
    trip, _ = frozen(ledger, site)
    assert followups(site, trip) == []
    before = httpx.get(f"{site.url}/notices?lang=en")  # kept, until the decision is made
    assert "gap.accepted" not in before.text
    done = accept_gap(database_url, "--source", SOURCE, "--after", "1", "--reason", REASON)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Accepted: {SOURCE} goes on at seq 3 after seq 1")
    assert shown(site) == [0, 1, 2, 3]
    assert "done" in followups(site, trip)  # seq 5, folded after seqs 3 and 4
    assert sequence_check(site) == {"status": "ok", "required": False, "refused": 3, "released": 3}
    reasons = [item["reason"] for item in quarantined(site)]
    assert len(reasons) == 3
    assert all("this site accepted the gap after seq 1" in reason for reason in reasons)
    after = httpx.get(
        f"{site.url}/notices?lang=en", headers={"If-None-Match": before.headers["etag"]}
    )
    assert after.status_code == 200
    page = words(after.text)
    assert "This site went on past a gap in the log Recorded: " in page
    assert (
        "This site went on past a gap in the ledger's log that no public notice explains: the"
        f" log holds no event 2 of {SOURCE}, and no notice of the ledger's says it moved past"
        " it. From event 3 (entry 1) on, this site shows the source's events again."
    ) in page
    assert f"Reason given by this site's operator {REASON}" in page
    for lang, said in SAID.items():
        assert said in words(httpx.get(f"{site.url}/notices?lang={lang}").text)
    feed = httpx.get(f"{site.url}/notices.atom?lang=en").text
    assert "<title>This site went on past a gap in the log</title>" in feed
    # The source's next event is its next seq again, and shown.
    ledger.append(numbered(life(str(uuid.uuid4()), "MVD-2026-0072")[:1], first=6))
    assert state.of(site.app).ingestor.catch_up() == 1
    assert shown(site) == [0, 1, 2, 3, 4]
    # Said once, for good: the source is no longer held there.
    again = accept_gap(database_url, "--source", SOURCE, "--after", "1", "--reason", REASON)
    assert again.returncode == 1
    assert again.stderr == (
        f"notifier: not accepted: {SOURCE} is not held after seq 1: its last seq shown is 6\n"
    )


def test_webhooks_are_sent_the_entries_shown_again_behind_their_cursor(
    ledger: Ledger, site: Site, database_url: str
) -> None:
    """The fan-out's cursor passed the ledger's notice at entry 4 before the gap was
    accepted: the entries shown again (1 to 3) are queued when they are, once each."""
    engine = state.of(site.app).engine
    with Session(engine) as session:
        body = SubscriptionCreate(url="https://hooks.example.org/in")
        subscription, _ = webhooks_service.create(session, body, None, 10)
        session.commit()
        subscribed = subscription.id
    frozen(ledger, site)
    with Session(ledger.engine) as session:
        assert withhold(session, 0, "A witness", "Act, art. 10", ledger.own_signer) == 4
        session.commit()
        sign_checkpoint(session, ledger.signer)
        session.commit()
    assert state.of(site.app).ingestor.catch_up() == 1
    assert _fan_out(engine) == [0, 4]
    done = accept_gap(database_url, "--source", SOURCE, "--after", "1", "--reason", REASON)
    assert done.returncode == 0, done.stderr
    assert _fan_out(engine) == [0, 1, 2, 3, 4]
    assert {d.subscription_id for d in _deliveries(engine)} == {subscribed}


def _deliveries(engine: Engine) -> list[Delivery]:
    with Session(engine) as session:
        return list(session.exec(select(Delivery)).all())


def _fan_out(engine: Engine) -> list[int]:
    """Queue what waits, as the delivery worker does; the entries queued, once each."""
    with Session(engine) as session:
        while fanout.step(session):
            pass
        session.commit()
    indexes = [int(d.ledger_index or 0) for d in _deliveries(engine)]
    assert len(indexes) == len(set(indexes))
    return sorted(indexes)


def test_a_replay_among_the_held_entries_stays_refused(
    ledger: Ledger, site: Site, database_url: str
) -> None:
    """Seq 3 logged again after seq 5 (entry 4): held with the others, never shown."""
    _, events = frozen(ledger, site)
    append_again(ledger, events[2])
    assert state.of(site.app).ingestor.catch_up() == 0
    done = accept_gap(database_url, "--source", SOURCE, "--after", "1", "--reason", REASON)
    assert done.returncode == 0, done.stderr
    assert shown(site) == [0, 1, 2, 3]
    [replay] = [i for i in quarantined(site) if "accepted the gap" not in i["reason"]]
    assert replay["ledger_index"] == 4
    check = sequence_check(site)
    assert (check["status"], check["refused"]) == ("failing", 4)


def test_the_command_is_refused_where_no_source_is_held(
    ledger: Ledger, site: Site, database_url: str
) -> None:
    ledger.append(numbered(life(str(uuid.uuid4()), "MVD-2026-0073")))
    assert state.of(site.app).ingestor.catch_up() == 5
    done = accept_gap(database_url, "--source", SOURCE, "--after", "5", "--reason", REASON)
    assert done.returncode == 1
    assert done.stderr == (
        f"notifier: not accepted: {SOURCE} is not held after seq 5: no later entry of it was "
        "refused for a seq that nothing in the log accounts for\n"
    )
    other = accept_gap(database_url, "--source", "town/none", "--after", "0", "--reason", REASON)
    assert other.returncode == 1
    assert other.stderr == (
        "notifier: not accepted: town/none is not held: no entry of it was shown or refused\n"
    )
    assert httpx.get(f"{site.url}/notices?lang=en").text.count("data-type=") == 0
    assert shown(site) == [0, 1, 2, 3, 4]
