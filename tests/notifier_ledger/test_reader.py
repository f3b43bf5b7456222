"""The notifier reads the ledger's entries from its tlog-tiles entry bundles: the same
leaves as its JSON entries, across bundles and in part of one; a withheld entry's hash
and notice from the JSON; and a bundle that is not what was asked for is an error."""

import uuid
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import Response
from sqlmodel import Session

from ledger.log.service import sign_checkpoint
from ledger.log.withhold import withhold
from ledger.testing import Ledger, event
from notifier.ingest.reader import Leaf, LedgerError, LedgerReader
from periplus import tiles
from periplus.testing import Server

# The ledger here is on SQLite whatever the run's database: the reader is the same.
pytestmark = pytest.mark.backends("sqlite")


@pytest.fixture
def filled(ledger: Ledger) -> Ledger:
    """600 entries, so that three bundles hold them (the last in part), one withheld."""
    ledger.fill(600)
    with Session(ledger.engine) as session:
        withhold(session, 300, "court order", "Art. 9", ledger.own_signer)
        session.commit()
        sign_checkpoint(session, ledger.signer)
        session.commit()
    return ledger


def json_entries(ledger: Ledger, start: int, end: int) -> list[Leaf]:
    """The same entries, one at a time from the JSON entries endpoint."""
    reader = LedgerReader(ledger.url, ledger.http)
    return [reader.one(index) for index in range(start, end)]


@pytest.mark.parametrize(("start", "end"), [(0, 601), (250, 300), (255, 513), (512, 601)])
def test_bundles_give_the_leaves_and_hashes_of_the_json_entries(
    filled: Ledger, start: int, end: int
) -> None:
    read = LedgerReader(filled.url, filled.http).entries(start, end)
    assert [leaf.index for leaf in read] == list(range(start, end))
    assert read == json_entries(filled, start, end)


def test_a_withheld_entry_carries_its_stored_hash_and_its_notice(filled: Ledger) -> None:
    [held] = LedgerReader(filled.url, filled.http).entries(300, 301)
    assert held.leaf is None
    assert held.notice == 600  # the notice is the entry appended after the 600
    stored = filled.get("/tile/0/001").content[(300 - 256) * 32 : (301 - 256) * 32]
    assert held.hash == stored


@pytest.fixture
def lying(filled: Ledger) -> Iterator[str]:
    """The ledger behind a front that drops the last entry of every bundle it passes on."""
    app = FastAPI()

    @app.get("/{path:path}")
    def passed(path: str, request: Request) -> Response:
        answer = filled.get(f"/{path}", **request.query_params)
        body = answer.content
        if path.startswith("tile/entries/"):
            entries = tiles.unbundle(body, tiles.parse_path(path.removeprefix("tile/entries/"))[1])
            body = tiles.bundle(entries[:-1])
        return Response(body, status_code=answer.status_code)

    with Server(app) as server:
        yield server.url


def test_a_bundle_short_of_what_was_asked_for_is_an_error(lying: str) -> None:
    with httpx.Client() as http, pytest.raises(LedgerError, match="holds 9 entries, not 10"):
        LedgerReader(lying, http).entries(0, 10)


def test_a_bundle_no_signed_checkpoint_covers_yet_is_an_error(ledger: Ledger) -> None:
    ledger.fill(5)
    ledger.append([event(6, uuid.uuid4())], checkpoint=False)  # logged, not yet signed
    assert ledger.get("/v1/log/entries", start=5, end=6).json()["entries"]
    with pytest.raises(LedgerError, match="404"):
        LedgerReader(ledger.url, ledger.http).entries(0, 6)
