"""The demo, loaded through a real trips API over HTTP, read back as the public reads it.

This checks three things at once: the loader speaks the trips API as it is, the
trips API's events follow the public contract (``periplus.public``), and every
demo trip renders as a page with a checklist in each language.
"""

import importlib
import re
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from periplus.events import parse_envelope
from periplus.public import DATA_MODELS
from periplus.testing import Server
from services.notifier.tests.site_fixture import Site, serve
from trips_api.keys import service as keys
from trips_api.main import build
from trips_api.settings import Settings

# What this module checks is the same on every database; it runs on SQLite.
pytestmark = pytest.mark.backends("sqlite")

ROOT = Path(__file__).parents[3]


@pytest.fixture(scope="module")
def demo() -> Iterator[Any]:
    """The demo package, which runs from the repository root (``python -m deploy.demo``)."""
    sys.path.insert(0, str(ROOT))
    try:
        yield importlib.import_module("deploy.demo.load")
    finally:
        sys.path.remove(str(ROOT))


@pytest.fixture(scope="module")
def events(
    tmp_path_factory: pytest.TempPathFactory, demo: Any
) -> Iterator[list[dict[str, object]]]:
    """The demo loaded once into a trips API; its public events, as the ledger reads them."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path_factory.mktemp('trips') / 'trips.db'}",
        relay_enabled=False,
        kafka_bootstrap="127.0.0.1:9",
        reference_prefix="MVD",
        reporting_currency="EUR",
    )
    app = build(settings)
    with Server(app) as server:
        with Session(app.state.engine) as session:
            _, admin = keys.create(session, "demo loader", ["admin"])
            session.commit()
        loader = demo.Loader(server.url, admin, "EUR", date.today())
        loader.prepare()
        for trip in demo.TRIPS:
            loader.load(trip)
        assert loader.existing_titles() == {t.title for t in demo.TRIPS}
        found: list[dict[str, object]] = []
        after = 0
        while True:
            page = httpx.get(f"{server.url}/v1/events", params={"after": after, "limit": 1000})
            batch = page.json()["events"]
            if not batch:
                break
            found.extend(batch)
            after = page.json()["last_seq"]
        yield found


@pytest.fixture
def site(database_url: str, events: list[dict[str, object]]) -> Iterator[Site]:
    for running in serve(database_url):
        running.feed(events)
        yield running


def test_every_demo_event_follows_the_public_contract(
    events: list[dict[str, object]], demo: Any
) -> None:
    kinds: dict[str, int] = {}
    for raw in events:
        envelope = parse_envelope(raw)
        DATA_MODELS[envelope.type].model_validate(envelope.data)
        kinds[envelope.type] = kinds.get(envelope.type, 0) + 1
    assert kinds["trip.approved"] == len(demo.TRIPS)
    assert {
        "trip.amended",
        "trip.corrected",
        "trip.cancelled",
        "trip.completed",
        "trip.reported",
        "followup.updated",
        "trip.closed",
    } <= set(kinds)


@pytest.mark.parametrize("lang", ["en", "es", "fr", "pt"])
def test_every_demo_trip_reads_as_a_page(site: Site, lang: str, demo: Any) -> None:
    listing = httpx.get(f"{site.url}/?lang={lang}").text
    links = re.findall(r'href="(/trips/[0-9a-f-]{36})\?lang=', listing)
    assert len(links) == len(demo.TRIPS)
    statuses: set[str] = set()
    for link in links:
        page = httpx.get(f"{site.url}{link}?lang={lang}")
        assert page.status_code == 200
        assert "trip.unvalidated" not in page.text
        assert len(re.findall(r'data-signal="', page.text)) >= 8
        statuses.update(re.findall(r'data-status="(\w+)"', page.text))
    assert statuses == {"pass", "warning", "pending"}
