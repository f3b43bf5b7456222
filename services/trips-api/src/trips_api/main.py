"""The trips-api application: routers, error handling, migrations and the outbox relay."""

import logging
from pathlib import Path
from typing import Any

import pydantic_core
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from sqlalchemy import Engine
from sqlmodel import Session

from periplus import db
from periplus.events import TRIPS_TOPIC
from periplus.outbox import OutboxRelay
from periplus.ratelimit import RateLimiter
from periplus.state import readiness_of, set_state
from periplus.web import create_app, lifespan
from trips_api import contract
from trips_api.catalogue import routes as catalogue_routes
from trips_api.departments import registry
from trips_api.departments import routes as departments_routes
from trips_api.events import routes as events_routes
from trips_api.events.models import Event, RelayCursor
from trips_api.events.service import relay_message
from trips_api.keys import routes as keys_routes
from trips_api.settings import Settings, get_settings
from trips_api.state import State
from trips_api.trips import routes as trips_routes
from trips_api.trips.routes.faults import on_invalid_request

MIGRATIONS = Path(__file__).parent / "migrations"
log = logging.getLogger(__name__)

DESCRIPTION = """\
City systems record each foreign trip of their officials here, from its
justification before departure to its results long after return: purpose,
itinerary, travellers, departments, SDG targets, agenda, expected outcomes,
budget and who pays it, actual costs, the report and its follow-ups.

Life cycle: `draft -> submitted -> approved -> completed -> reported -> closed`,
or `cancelled` before departure. Approval is the public pre-trip disclosure, by
a key holder other than those who created, submitted or changed the trip, with a
key that no admin key minted along with theirs (one hand would hold both); after
it nothing is edited in place: amendments (before departure) and corrections
record what changed and why (`GET /v1/trips/{id}/history`), and a change of
purpose, dates, travellers or costs waits for another holder's approval, in public
view (`trip.change_pending`). Actual costs, the report and its follow-ups are
corrected the same way, each with its reason (`trip.corrected`).
To try every step today, create the `after-the-fact` example of `POST /v1/trips`.
Every public fact becomes an event (`GET /v1/events`) for the city's
tamper-evident ledger; private data (protected names, internal notes) never does.

Writes need an API key (`Authorization: Bearer pk_...`) with the right scope:
`trips:write` (create, edit, submit, amend, correct, cancel), `trips:approve`,
`trips:report` (complete, report, follow-ups, close), `trips:read-private`,
`admin` (departments, keys, everything); only the last two see private fields.
Every POST takes an `Idempotency-Key`; updates take `If-Match` with the ETag last
read. Errors are RFC 9457 problem documents with a field-by-field `errors` list.
Anonymous reads are rate limited.
"""


def load_departments(engine: Engine, path: Path) -> None:
    """Bring the registry in line with the city's file (a bad file stops the start)."""
    entries = registry.read(path)
    with Session(engine) as session:
        changed = registry.load(session, entries)
        session.commit()
    log.info(
        "department registry loaded",
        extra={"file": str(path), "listed": len(entries), "changed": changed},
    )


def _json_text(value: Any) -> str:
    return pydantic_core.to_json(value).decode()


JSON_COLUMNS: dict[str, Any] = {
    "json_serializer": _json_text,
    "json_deserializer": pydantic_core.from_json,
}
"""How every trips-api engine writes and reads JSON columns: by pydantic-core, as a trip's
record and each version of it are written and read on most requests, in a third of the time
``json`` takes. A pydantic model is written as its JSON (a version's state is its view)."""


def build(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = db.make_engine(
        settings.database_url,
        settings.database_limits(),
        ping_idle=settings.database_ping_idle,
        **JSON_COLUMNS,
    )
    relay = OutboxRelay(
        engine,
        (Event.seq, Event.trip_id, Event.envelope),
        RelayCursor,
        TRIPS_TOPIC,
        settings.kafka_connection(),
        relay_message,
    )

    def prepare() -> None:
        if settings.departments_file is not None:
            load_departments(engine, settings.departments_file)
        log.info("events are signed", extra={"key": str(settings.signer.verifier)})

    app = create_app(
        service="trips-api",
        title="Periplus trips API",
        description=DESCRIPTION,
        settings=settings,
        engine=engine,
        lifespan=lifespan(
            engine, MIGRATIONS, prepare=prepare, workers=[relay] if settings.relay_enabled else []
        ),
    )
    app.add_exception_handler(RequestValidationError, on_invalid_request)
    limiter = RateLimiter(
        settings.public_reads_per_minute,
        60.0,
        settings.public_network_reads_per_minute,
        burst=settings.public_read_burst,
    )
    set_state(app, State(settings, engine, relay, limiter))
    if settings.relay_enabled:  # replicas on one database: one publishes, the others stand by
        readiness_of(app).report("relay", lambda: {"relay_lease": relay.leading})
    app.include_router(trips_routes.router)
    app.include_router(departments_routes.router)
    app.include_router(keys_routes.router)
    app.include_router(catalogue_routes.router)
    app.include_router(events_routes.router)
    contract.declare(app)
    return app
