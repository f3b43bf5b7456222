"""The notifier application: public pages and feeds, fed by ledger announcements."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI

from notifier.channels.runtime import Channels
from notifier.ingest.service import Ingestor
from notifier.models import ConsumerOffset
from notifier.publish import routes as publish_routes
from notifier.settings import Settings, get_settings
from periplus import db
from periplus.consumer import ConsumerLoop
from periplus.events import LEDGER_TOPIC
from periplus.web import create_app

MIGRATIONS = Path(__file__).parent / "migrations"

DESCRIPTION = """\
Public summaries of a city's foreign trips, built only from what the city's
ledger has appended, so that every item can be proven: web pages, Atom and
JSON feeds, a live stream (Server-Sent Events) and webhooks signed per the
Standard Webhooks spec. Alerts say when a report is overdue or a follow-up
missed its date. Subscribing needs no account: the answer carries a token
that manages the subscription.
"""


def build(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = db.make_engine(settings.database_url)
    http = httpx.Client(timeout=10.0)
    ingestor = Ingestor(engine, settings.ledger_url, http)
    consumer = ConsumerLoop(
        engine,
        settings.kafka_connection(),
        LEDGER_TOPIC,
        ConsumerOffset,
        ingestor.handle,
        tick=ingestor.tick,
        tick_seconds=settings.catchup_interval,
    )
    channels = Channels(engine, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db.upgrade(engine, MIGRATIONS)
        await channels.start()
        if settings.ingest_enabled:
            consumer.start()
        yield
        if settings.ingest_enabled:
            consumer.stop()
        await channels.stop()
        http.close()
        engine.dispose()

    app = create_app(
        service="notifier",
        title="Periplus notifier",
        description=DESCRIPTION,
        settings=settings,
        engine=engine,
        lifespan=lifespan,
    )
    app.state.ingestor = ingestor
    app.include_router(publish_routes.router)
    channels.install(app)
    return app
