"""Helpers for tests and benchmarks: signed events in the public contract's shapes, and a
notifier serving real HTTP over a fresh database, fed entries directly."""

import os
import re
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import count
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session

from notifier import state
from notifier.ingest import service
from notifier.main import MIGRATIONS, build
from notifier.settings import Settings
from periplus import db, sources
from periplus.events import Envelope
from periplus.note import Signer
from periplus.public import DATA_MODELS
from periplus.testing import Server

if TYPE_CHECKING:  # Playwright is a development dependency, for the browser tests alone
    from playwright.sync_api import Page

_seq = count(1)
SOURCE_SIGNER = Signer(
    "demo-city/trips-api", Ed25519PrivateKey.from_private_bytes(bytes(range(7, 39)))
)


def snapshot(
    reference: str = "MVD-2026-0001",
    *,
    departure: date = date(2026, 3, 10),
    days: int = 4,
    notice: int = 30,
    size: int = 2,
    city_share: str = "3000.00",
    total: str = "4000.00",
    agenda_days: int | None = None,
    department: str = "International Relations",
    country: str = "EC",
    city: str = "Quito",
    goals: tuple[int, ...] = (11, 13),
    targets: tuple[str, ...] = ("11.3", "13.2"),
    **extra: Any,
) -> dict[str, Any]:
    """A whole, valid TripSnapshot as JSON."""
    back = departure + timedelta(days=days - 1)
    worked = days if agenda_days is None else agenda_days
    agenda = [
        {
            "date": (departure + timedelta(days=i)).isoformat(),
            "time": "10:00",
            "kind": "meeting",
            "title": f"Working session {i + 1} on public transport",
            "counterpart": "Municipality of Quito",
            "topic": "bus rapid transit",
        }
        for i in range(worked)
    ]
    others = f"{float(total) - float(city_share):.2f}"
    trip = {
        "reference": reference,
        "title": f"Study visit {reference}",
        "purpose": "Learn how the host city runs its electric bus fleet and agree a pilot.",
        "category": "study_visit",
        "host_organisation": "Municipality of Quito",
        "networks": ["Mercociudades"],
        "itinerary": [
            {
                "country": country,
                "city": city,
                "arrive": departure.isoformat(),
                "depart": back.isoformat(),
            }
        ],
        "departure_date": departure.isoformat(),
        "return_date": back.isoformat(),
        "travellers": [
            {"name": "Ana Pérez", "position": "Mayor", "elected": True},
            *[{"name": None, "position": f"Adviser {i}", "elected": False} for i in range(1, size)],
        ],
        "delegation_size": size,
        "lead_department": department,
        "departments": [department, "Mobility"],
        "sdg_goals": list(goals),
        "sdg_targets": list(targets),
        "agenda": agenda,
        "expected_outcomes": [
            {"id": "o1", "text": "A signed pilot agreement for ten electric buses"},
            {"id": "o2", "text": "A costed charging plan for two depots"},
        ],
        "budget": [
            _cost("airfare", "city", city_share),
            _cost("lodging", "host", others, payer_name="Municipality of Quito"),
        ],
        "budget_total": {"amount": total, "currency": "USD"},
        "city_share": {"amount": city_share, "currency": "USD"},
        "in_kind": [],
        "approved_on": (departure - timedelta(days=notice)).isoformat(),
        "days_notice": notice,
        "urgency_justification": None,
        "report_due": (back + timedelta(days=30)).isoformat(),
    }
    trip.update(extra)
    return trip


def _cost(category: str, payer: str, amount: str, payer_name: str | None = None) -> dict[str, Any]:
    return {
        "category": category,
        "payer": payer,
        "payer_name": payer_name,
        "amount": {"amount": amount, "currency": "USD"},
        "reporting": {"amount": amount, "currency": "USD"},
        "exchange_rate": "1",
        "rate_date": "2026-01-15",
    }


def event(
    type_: str,
    trip_id: str,
    data: dict[str, Any],
    at: str = "2026-02-01T12:00:00.000Z",
    *,
    check: bool = True,
) -> dict[str, Any]:
    """An envelope as the ledger logs it; ``check`` validates data against the contract."""
    if check:
        DATA_MODELS[type_].model_validate(data)
    return sources.sign(
        SOURCE_SIGNER,
        seq=next(_seq),
        type_=type_,
        trip_id=uuid.UUID(trip_id),
        occurred_at=at,
        data=data,
    ).to_json()


def life(trip_id: str, reference: str = "MVD-2026-0001", **snap: Any) -> list[dict[str, Any]]:
    """Approved, amended, completed, reported, one follow-up updated: a whole trip."""
    trip = snapshot(reference, **snap)
    amended = {**trip, "return_date": trip["return_date"]}
    report = {
        "summary": "The pilot agreement was signed; the charging plan needs a second visit.",
        "results": [
            {"outcome_id": "o1", "achieved": "yes", "result": "Agreement signed on day 2."},
            {"outcome_id": "o2", "achieved": "partly", "result": "One depot costed."},
        ],
        "documents": [{"title": "Agreement", "url": "https://example.org/agreement.pdf"}],
        "filed_on": "2026-03-25",
        "days_after_return": 12,
    }
    followups = [
        {
            "id": "f1",
            "commitment": "Tender for ten buses",
            "owner_department": "Mobility",
            "due_date": "2026-06-30",
            "status": "open",
            "evidence": None,
        },
        {
            "id": "f2",
            "commitment": "Second depot costing",
            "owner_department": "Mobility",
            "due_date": "2026-04-30",
            "status": "open",
            "evidence": None,
        },
    ]
    return [
        event("trip.approved", trip_id, {"trip": trip}, "2026-02-08T09:00:00.000Z"),
        event(
            "trip.amended",
            trip_id,
            {
                "trip": amended,
                "changes": [{"field": "agenda", "before": 3, "after": 4}],
                "reason": "The host added a depot visit.",
            },
            "2026-03-07T09:00:00.000Z",
        ),
        event(
            "trip.completed",
            trip_id,
            {
                "reference": reference,
                "actual_costs": trip["budget"],
                "actual_total": trip["budget_total"],
                "city_share": trip["city_share"],
            },
            "2026-03-15T09:00:00.000Z",
        ),
        event(
            "trip.reported",
            trip_id,
            {"reference": reference, "report": report, "followups": followups},
            "2026-03-25T09:00:00.000Z",
        ),
        event(
            "followup.updated",
            trip_id,
            {
                "reference": reference,
                "followup": {**followups[1], "status": "done", "evidence": "Costing published"},
            },
            "2026-04-20T09:00:00.000Z",
        ),
    ]


def numbered(
    events: list[dict[str, Any]], signer: Signer = SOURCE_SIGNER, first: int = 1
) -> list[Envelope]:
    """The same events as one source's gapless sequence from ``first``, as a ledger expects."""
    return [
        sources.sign(
            signer,
            seq=n,
            type_=e["type"],
            trip_id=uuid.UUID(e["trip_id"]),
            data=e["data"],
            event_id=uuid.UUID(e["id"]),
            occurred_at=e["occurred_at"],
        )
        for n, e in enumerate(events, first)
    ]


POLICY_FILE = Path(__file__).with_name("testing_ledger.policy")
TRUST: dict[str, Any] = {
    "trust_policy_file": POLICY_FILE,
    "source_keys": {SOURCE_SIGNER.name: [str(SOURCE_SIGNER.verifier)]},
    "ledger_source": "test-city/ledger",  # ledger.testing's own source
}
"""Settings that trust the test ledger of ``ledger.testing`` and the samples' source."""


def state_of(server: Server) -> state.State:
    """The typed state of the notifier that ``server`` runs, for tests that reach past HTTP."""
    app = server.server.config.app
    if not isinstance(app, FastAPI):
        raise TypeError("the server does not run a notifier app")
    return state.of(app)


@dataclass
class Site:
    url: str
    app: FastAPI
    next_index: int = 0

    def feed(self, events: list[dict[str, Any]]) -> None:
        """Apply events as the next ledger entries, as if verified."""
        items = list(enumerate(events, self.next_index))
        with Session(state.of(self.app).engine) as session:
            service.apply(session, items)
            session.commit()
        self.next_index += len(events)


def migrated_engine(database_url: str) -> Iterator[Engine]:
    """An engine on a fresh database with the notifier's tables, as its migrations make
    them; disposed of when the fixture that yields from it ends."""
    made = db.make_engine(database_url)
    db.upgrade(made, MIGRATIONS)
    yield made
    made.dispose()


def words(html: str) -> str:
    """The words a reader reads on a page, spaces run together (a no-break space kept, as
    French puts one before a colon)."""
    return re.sub(r"[ \t\n]+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


def screenshot(page: "Page", name: str, tmp_path: Path) -> Path:
    """The whole page as ``<name>.png`` in ``tmp_path``, copied to the directory
    ``PERIPLUS_SCREENSHOTS`` names, when it is set, for a person to look at."""
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if target := os.environ.get("PERIPLUS_SCREENSHOTS"):
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(target) / path.name)
    return path


def serve(
    database_url: str, ledger_url: str = "http://127.0.0.1:9", **extra: Any
) -> Iterator[Site]:
    """A notifier on a free port; ``extra`` settings win over the quiet defaults here."""
    defaults: dict[str, Any] = {
        "public_url": "https://trips.example.org",
        "kafka_bootstrap": "127.0.0.1:9",
        "ingest_enabled": False,
        "webhooks_enabled": False,
        "alerts_enabled": False,
        **TRUST,
    }
    settings = Settings(database_url=database_url, ledger_url=ledger_url, **{**defaults, **extra})
    app = build(settings)
    with Server(app) as server:
        yield Site(server.url, app)


def sample_ids(first: int) -> tuple[str, str, str]:
    """The trips of :func:`feed_sample` numbered from ``first``: reported, short, cancelled."""
    reported, short, cancelled = (str(uuid.UUID(int=first + n)) for n in range(3))
    return reported, short, cancelled


def feed_sample(running: Site, first: int, *, short_departs: date, cancelled_departs: date) -> None:
    """A trip through its whole life, one to Chartres approved five days before leaving
    with seven travellers, and one cancelled; references and ids numbered from ``first``."""
    reported, short, cancelled = sample_ids(first)
    running.feed(life(reported, f"MVD-2026-{first:04d}"))
    chartres = snapshot(
        f"MVD-2026-{first + 1:04d}",
        departure=short_departs,
        country="FR",
        city="Chartres",
        department="Culture",
        goals=(4,),
        targets=("4.7",),
        size=7,
        notice=5,
    )
    dropped = f"MVD-2026-{first + 2:04d}"
    running.feed(
        [
            event("trip.approved", short, {"trip": chartres}),
            event(
                "trip.approved", cancelled, {"trip": snapshot(dropped, departure=cancelled_departs)}
            ),
            event(
                "trip.cancelled",
                cancelled,
                {"reference": dropped, "reason": "The host postponed the forum."},
            ),
        ]
    )


QUITO, EUROPE, TOKYO = (str(uuid.UUID(int=n)) for n in (11, 12, 13))
"""The trips of :func:`feed_travels`: one to Quito, one through Europe, one to Tokyo."""


def europe() -> dict[str, Any]:
    trip = snapshot("MVD-2026-0012", departure=date(2026, 5, 4), days=6, size=3)
    trip["itinerary"] = [
        {"country": "BE", "city": "Brussels", "arrive": "2026-05-04", "depart": "2026-05-06"},
        {"country": "PT", "city": "Porto", "arrive": "2026-05-06", "depart": "2026-05-09"},
    ]
    return trip


def tokyo() -> dict[str, Any]:
    return snapshot(
        "MVD-2026-0013", departure=date(2026, 6, 1), days=2, size=1, country="JP", city="Tokyo"
    )


def feed_travels(running: Site) -> None:
    """Three trips that fly near, across two countries and far, for the map and emissions."""
    running.feed(life(QUITO, "MVD-2026-0011"))
    running.feed([event("trip.approved", EUROPE, {"trip": europe()})])
    running.feed([event("trip.approved", TOKYO, {"trip": tokyo()})])
