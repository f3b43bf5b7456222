"""The channels' moving parts in one app: the stream hub, delivery worker and alert check."""

import asyncio

from fastapi import FastAPI
from sqlalchemy import Engine
from starlette.middleware import Middleware

from notifier.channels.alerts.worker import check_now
from notifier.channels.stream import routes as stream_routes
from notifier.channels.stream.hub import StreamHub
from notifier.channels.webhooks import routes as webhook_routes
from notifier.channels.webhooks.worker import DeliveryWorker
from notifier.settings import Settings
from periplus.periodic import Periodic
from periplus.ratelimit import LimitedPaths, RateLimiter
from periplus.state import stopping_of

BULK_READS = ("/data/",)  # anonymous downloads of whole tables, limited per client and network


class Channels:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.settings = settings
        # Downloads of whole tables and replays of the stream's history: both read in bulk.
        self.bulk_reads = RateLimiter(
            settings.bulk_read_limit, 3600.0, settings.bulk_read_network_limit
        )
        self.hub = StreamHub(
            engine,
            settings.public_url,
            settings.stream_poll_interval,
            settings.stream_queue,
            settings.stream_max_clients,
            settings.stream_max_per_client,
            replays=self.bulk_reads,
        )
        self.deliveries = DeliveryWorker(engine, settings)
        self.subscription_limiter = RateLimiter(
            settings.subscription_create_limit, 3600.0, settings.subscription_create_network_limit
        )
        self.stopping = asyncio.Event()  # the app's, once installed
        self.alerts = Periodic(
            "alerts",
            settings.alert_interval,
            lambda: check_now(engine, settings.alert_horizon_days),
        )

    def install(self, app: FastAPI) -> None:
        """The limits on bulk reads and the routes; the app's state names the hub, the
        deliveries' wake-up and the limit on new subscriptions (see ``main.build``)."""
        self.stopping = stopping_of(app)
        app.user_middleware.append(
            Middleware(
                LimitedPaths,
                limiter=self.bulk_reads,
                prefixes=BULK_READS,
                what="open-data requests from this address or network",
            )
        )
        app.include_router(stream_routes.router)
        app.include_router(webhook_routes.router)

    async def start(self) -> None:
        """After migrations: every worker reads tables they create."""
        await self.hub.start(self.stopping)
        if self.settings.webhooks_enabled:
            self.deliveries.start()
        if self.settings.alerts_enabled:
            self.alerts.start()

    async def stop(self) -> None:
        await self.hub.stop()
        if self.settings.webhooks_enabled:
            await asyncio.to_thread(self.deliveries.stop)
        if self.settings.alerts_enabled:
            await asyncio.to_thread(self.alerts.stop)
