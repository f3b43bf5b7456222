"""The notifier shows only what its source signed, with a key in use for that seq: an
entry its source did not sign, or signed with a key a rotation retired, is quarantined and
later ones shown; unsigned entries of the first format only below the index set for them.

A real ledger over HTTP (``ledger.testing``) and both databases for the notifier.
"""

import uuid
from collections.abc import Callable
from typing import Any

import httpx

from ledger.testing import Ledger
from notifier import state
from notifier.testing import SOURCE_SIGNER, life, numbered
from periplus import sources
from periplus.events import Envelope
from periplus.note import Signer
from tests.notifier_ledger.ingest import (
    IMPOSTOR,
    notifier,
    quarantined,
    shown,
    trip_view,
    verified_size,
)


def test_an_entry_its_source_did_not_sign_is_quarantined_and_later_ones_shown(
    database_url: str, ledger: Ledger
) -> None:
    trip = str(uuid.uuid4())
    events = numbered(life(trip, "MVD-2026-0043"))
    completed = events[2]
    total = {"amount": "1.00", "currency": "USD"}
    tampered = completed.model_copy(update={"data": {**completed.data, "actual_total": total}})
    ledger.append([*events[:2], tampered, *events[3:]])  # the ledger's own checks skipped
    with notifier(database_url, ledger) as site:
        assert state.of(site.app).ingestor.catch_up() == 4
        assert shown(site) == [0, 1, 3, 4]
        assert verified_size(site) == 5
        view = trip_view(site, trip)
        assert view is not None
        assert view.data.get("completed") is None
        assert view.data["report"]["summary"].startswith("The pilot agreement was signed")
        [item] = quarantined(site)
        assert (item["kind"], item["ledger_index"]) == ("entry", 2)
        assert item["reason"].startswith("the signature does not verify under key")
        assert '"1.00"' in item["raw"]
        feed = httpx.get(f"{site.url}/feed.json").text
        assert '"1.00"' not in feed


def test_a_key_rotation_is_followed_and_remembered_after_a_restart(
    database_url: str, ledger: Ledger
) -> None:
    trip = uuid.uuid4()
    successor = Signer(SOURCE_SIGNER.name, IMPOSTOR)
    first, _, amended, completed, reported = life(str(trip), "MVD-2026-0045")

    def signed(signer: Signer, seq: int, event: dict[str, Any]) -> Envelope:
        return sources.sign(signer, seq=seq, type_=event["type"], trip_id=trip, data=event["data"])

    rotation = sources.rotation(SOURCE_SIGNER, 2, successor.verifier)
    ledger.append([signed(SOURCE_SIGNER, 1, first), rotation, signed(successor, 3, amended)])
    with notifier(database_url, ledger) as site:
        assert state.of(site.app).ingestor.catch_up() == 3
    ledger.append([signed(successor, 4, completed), signed(SOURCE_SIGNER, 5, reported)])
    with notifier(database_url, ledger) as site:  # a restart: the rotation is read back
        assert state.of(site.app).ingestor.catch_up() == 1
        assert shown(site) == [0, 1, 2, 3]
        [item] = quarantined(site)
        assert (item["kind"], item["ledger_index"]) == ("entry", 4)
        assert "was retired after seq 2" in item["reason"]
        # The trip page lists each key with the seqs it signs, as a verifier reads them.
        page = httpx.get(f"{site.url}/trips/{trip}").text
        assert f'<code class="keyline">{SOURCE_SIGNER.verifier} 1-2</code>' in page
        assert f'<code class="keyline">{successor.verifier} 3-</code>' in page


def test_unsigned_entries_from_before_signatures_are_shown_only_below_the_set_index(
    make_database: Callable[[str], str], ledger: Ledger
) -> None:
    trip = str(uuid.uuid4())
    signed = numbered(life(trip, "MVD-2026-0044"))
    unsigned = [
        Envelope.model_validate({**e.to_json(signed=False), "spec": "periplus.event/1"})
        for e in signed[:2]
    ]
    ledger.append([*unsigned, *signed[2:]])  # an old log: its first entries predate signing
    with notifier(make_database("upgraded"), ledger, unsigned_before=2) as site:
        assert state.of(site.app).ingestor.catch_up() == 5
        assert shown(site) == [0, 1, 2, 3, 4]
        assert quarantined(site) == []
    with notifier(make_database("strict"), ledger) as site:
        state.of(site.app).ingestor.catch_up()
        assert shown(site) == [2, 3, 4]
        assert [q["ledger_index"] for q in quarantined(site)] == [0, 1]
