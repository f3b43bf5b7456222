"""The operator's withholding command: it appends, so it needs the writer lock."""

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlmodel import Session

from ledger import cli
from ledger.ingest.models import Quarantined
from ledger.settings import get_settings
from ledger.testing import SEED, event, serve
from periplus.verify import verify_log


@pytest.fixture
def environment(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for name, value in {
        "LEDGER_DATABASE_URL": database_url,
        "LEDGER_SIGNING_KEY": SEED,
        "LEDGER_ORIGIN": "periplus.test/ledger",
        "LEDGER_OWN_SOURCE": "test-city/ledger",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


def test_withholding_waits_for_the_writer_then_leaves_a_verifiable_public_notice(
    environment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    command = ["withhold", "--index", "2", "--reason", "a minor's name", "--legal-basis", "Art. 17"]
    with serve(environment) as ledger:
        ledger.fill(5)
        assert cli.main([*command, "--wait", "0.3"]) == 2
        assert "another ledger process is the writer" in capsys.readouterr().err
    assert cli.main(command) == 0
    assert "notice appended at index 5" in capsys.readouterr().out
    assert cli.main(command) == 1
    assert "already withheld" in capsys.readouterr().err
    with serve(environment) as ledger:
        report = verify_log(ledger.url, proofs=-1)
        assert (report.size, report.withheld) == (6, [2])
        notice = ledger.get("/v1/audit/entries", type="entry.withheld").json()["entries"]
        assert notice[0]["event"]["data"]["legal_basis"] == "Art. 17"
        assert notice[0]["event"]["source"] == "test-city/ledger"


def test_a_fact_is_withheld_from_every_entry_that_repeats_it(
    environment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    trip, other = uuid.uuid4(), uuid.uuid4()
    name = "Andrés Rocha"
    traveller = {"trip": {"travellers": [{"name": name, "position": "Director of Culture"}]}}
    first = event(1, trip, data=traveller)
    with serve(environment) as ledger:
        ledger.append(
            [
                first,
                event(2, trip, data={"reference": "MVD-2026-0001"}),
                event(3, trip, "trip.amended", {**traveller, "reason": "dates moved"}),
                event(4, other, data=traveller),
            ]
        )
        with Session(ledger.engine) as session:
            forged = json.dumps({"data": traveller, "trip_id": str(trip)}).encode()
            for raw, why in ((first.leaf, "sent again"), (forged, "forged"), (b"{}", "odd")):
                session.add(
                    Quarantined(received_at=datetime.now(UTC), origin="t/0/1", reason=why, raw=raw)
                )
            session.commit()
    command = ["withhold", "--trip", str(trip), "--fact", name, "--reason", "a protected name"]
    assert cli.main([*command, "--legal-basis", "Law 18.331, art. 9"]) == 0
    said = capsys.readouterr().out
    assert "entry 0 withheld" in said
    assert "entry 2 withheld" in said
    assert cli.main([*command, "--legal-basis", "again"]) == 1
    assert "no entry of trip" in capsys.readouterr().err
    with serve(environment) as ledger:
        report = verify_log(ledger.url, proofs=-1)
        assert report.withheld == [0, 2]
        trip_entries = ledger.get("/v1/log/entries", start=0, end=3).json()["entries"]
        assert name not in json.dumps(trip_entries, ensure_ascii=False)
        assert trip_entries[1]["event"]["data"] == {"reference": "MVD-2026-0001"}
        notices = ledger.get("/v1/log/entries", start=4, end=10).json()["entries"]
        assert [n["event"]["data"]["index"] for n in notices] == [0, 2]
        assert name not in json.dumps(notices, ensure_ascii=False)
        # Another trip's entries are another order's business.
        [untouched] = ledger.get("/v1/log/entries", start=3, end=4).json()["entries"]
        assert untouched["event"]["trip_id"] == str(other)
        # Copies refused before (the event sent again, a forgery that repeats the name)
        # keep their reasons in the public quarantine, not their bytes.
        refused = ledger.get("/v1/log/quarantine").json()["events"]
        assert [q.raw for q in ledger.kept()] == [b"", b"", b"{}"]
        assert [q["raw"] for q in refused] == [None, None, None]  # none is the source's now
        assert all("(bytes withheld with entry" in q["reason"] for q in refused[:2])
        assert name not in json.dumps(refused, ensure_ascii=False)


def test_copies_of_a_withheld_entry_lose_their_bytes_however_its_id_is_spelled(
    environment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A reader takes an event id in any spelling a UUID has; so does the withholding, and
    it knows a copy by its data too."""
    trip = uuid.uuid4()
    secret = {"report": {"summary": "Met the witness Jane Roe at her home."}}
    entry = event(1, trip, "trip.reported", secret)
    copy = json.loads(entry.leaf)
    spellings = [
        {**copy, "id": str(entry.id).upper(), "sig": "spoiled"},
        {**copy, "id": f"urn:uuid:{entry.id.hex}"},
        {**copy, "id": str(uuid.uuid4())},  # another id, the same data
    ]
    unrelated = json.dumps({**copy, "id": str(uuid.uuid4()), "data": {"n": 1}}).encode()
    with serve(environment) as ledger:
        ledger.append([entry])
        with Session(ledger.engine) as session:
            for raw in [*(json.dumps(s).encode() for s in spellings), unrelated]:
                session.add(
                    Quarantined(received_at=datetime.now(UTC), origin="t/0/1", reason="x", raw=raw)
                )
            session.commit()
    command = ["withhold", "--index", "0", "--reason", "a witness", "--legal-basis", "Art. 17"]
    assert cli.main(command) == 0
    capsys.readouterr()
    with serve(environment) as ledger:
        refused = ledger.get("/v1/log/quarantine").json()["events"]
        kept = ledger.kept()
    assert [q.raw for q in kept[:3]] == [b"", b"", b""]
    assert json.loads(kept[3].raw) == json.loads(unrelated)
    assert "Jane Roe" not in json.dumps(refused)
