"""The notifier application: public pages and feeds of the ledger's verified entries."""

from pathlib import Path

import httpx
from fastapi import FastAPI
from starlette.middleware import Middleware

from notifier import readiness
from notifier import trust as trust_config
from notifier.channels.runtime import Channels
from notifier.ingest import routes as quarantine_routes
from notifier.ingest.follower import follower_schedule
from notifier.ingest.ingestor import Ingestor
from notifier.ingest.models import ConsumerOffset
from notifier.ingest.reader import LedgerReader
from notifier.opendata import routes as opendata_routes
from notifier.publish import cache, docs, headers, worldmap
from notifier.publish import routes as publish_routes
from notifier.publish.routes import verify as verify_routes
from notifier.settings import Settings, get_settings
from notifier.state import State
from periplus import db
from periplus.consumer import ConsumerLoop
from periplus.ratelimit import LimitedPaths, RateLimiter
from periplus.state import readiness_of, set_state
from periplus.web import Worker, create_app, lifespan

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
    """The app; raises TrustError, naming the setting, unless the trust settings are usable."""
    settings = settings or get_settings()
    trust = trust_config.configured(settings)
    engine = db.make_engine(settings.database_url, settings.database_limits())
    http = httpx.Client(timeout=settings.http_timeouts())
    ingestor = Ingestor(engine, LedgerReader(settings.ledger_url, http), trust)
    follower = follower_schedule(
        ingestor, settings.checkpoint_poll_interval, settings.catchup_interval
    )
    consumer = ConsumerLoop(
        engine,
        settings.kafka_connection(),
        settings.entries_topic,
        ConsumerOffset,
        ingestor.handle,
        tick_seconds=settings.catchup_interval,
        on_commit=follower.notify,
        prepare=ingestor.prepare,
    )
    channels = Channels(engine, settings)

    # Stopped in reverse: the consumer, which wakes the follower, stops first.
    workers: list[Worker] = [worldmap.Warming(), channels]
    if settings.ingest_enabled:
        workers += [follower, consumer]

    app = create_app(
        service="notifier",
        title="Periplus notifier",
        description=DESCRIPTION,
        settings=settings,
        engine=engine,
        lifespan=lifespan(
            engine, MIGRATIONS, prepare=ingestor.load_rotations, workers=workers, close=[http.close]
        ),
        headers=headers.HEADERS,
    )
    hub, wake, limiter = channels.hub, channels.deliveries.wake, channels.subscription_limiter
    set_state(app, State(settings, engine, trust, ingestor, hub, wake, limiter))
    channels.install(app)  # its limits on bulk reads go outside the cache: kept answers count
    # Innermost, so request ids, metrics and security headers stay per request.
    # Each request of the verify relay is a request to the ledger, which sees only this server.
    relayed = RateLimiter(settings.verify_relay_limit, 3600.0, settings.verify_relay_network_limit)
    app.user_middleware.append(
        Middleware(
            LimitedPaths,
            limiter=relayed,
            prefixes=("/v1/verify/",),
            what="requests of the ledger through this site from this address or network",
        )
    )
    # Outermost, so a refusal of the limits or a failure is readable cross-origin too.
    app.user_middleware.insert(
        0, Middleware(headers.ReadableAnywhere, prefix=verify_routes.CORS_PREFIX)
    )
    renders = RateLimiter(settings.page_render_limit, 3600.0, settings.page_render_network_limit)
    app.user_middleware.append(
        Middleware(cache.PageCache, version=cache.Versions(engine), renders=renders)
    )
    if settings.ingest_enabled:
        readiness.install(readiness_of(app), engine, consumer, ingestor)
    else:
        readiness.install(readiness_of(app), engine, None)
    docs.install(app)
    app.include_router(publish_routes.router)
    app.include_router(opendata_routes.router)
    app.include_router(quarantine_routes.router)
    return app
