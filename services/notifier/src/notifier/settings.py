"""Notifier settings, read from ``NOTIFIER_*`` environment variables."""

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from notifier.checklist.rules import Rules
from notifier.emissions import gazetteer
from periplus.events import LEDGER_TOPIC
from periplus.settings import BrokerSettings, home_sqlite

# The example schedule of the Standard Webhooks spec ("Deliverability and
# reliability"): after the first attempt, retries 5 s, 5 min, 30 min, 2 h, 5 h,
# 10 h, 14 h, 20 h and 24 h after each failure, about 75.5 hours in all.
STANDARD_RETRY_SCHEDULE = (5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 50400.0, 72000.0, 86400.0)


class Settings(BrokerSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFIER_", extra="ignore")

    port: int = 8003
    database_url: str = Field(default_factory=lambda: home_sqlite("var/notifier.db"))
    ledger_url: str = Field(default="http://127.0.0.1:8002", description="Base URL of the ledger.")
    public_url: str = Field(
        default="http://127.0.0.1:8003", description="Base URL under which the public reads us."
    )
    trust_policy_file: Path | None = Field(
        default=None,
        description=(
            "C2SP tlog-policy file: the ledger's key and the witnesses whose cosignatures "
            "a checkpoint needs before its entries are shown."
        ),
    )
    source_keys: dict[str, list[str]] = Field(
        default_factory=dict,
        description='Each source\'s verifier keys, as JSON: `{"demo-city/trips-api": ["..."]}`.',
    )
    ledger_source: str = Field(
        default="demo-city/ledger",
        description="The source of the ledger's own notices, signed by the log key.",
    )
    unsigned_before: int = Field(
        default=0,
        ge=0,
        description=(
            "Entries below this index may be unsigned (periplus.event/1, logged before source "
            "signatures) and are shown as such: set it to the log's size when a log older than "
            "signatures is first read. 0: every entry must be signed."
        ),
    )
    site_name: str = "Periplus"
    data_license: Literal["CC-BY-4.0", "CC0-1.0", "ODbL-1.0"] = Field(
        default="CC-BY-4.0",
        description="The licence of the open data (/data), named in its Data Package and "
        "DCAT-AP catalogue.",
    )
    catchup_interval: float = Field(
        default=5.0,
        gt=0,
        le=3600,
        description="Seconds between reads of the ledger for what the broker did not bring.",
    )
    checkpoint_poll_interval: float = Field(
        default=0.2,
        gt=0,
        le=60,
        description="Seconds between reads of the ledger's checkpoint while announced "
        "entries wait for one (the ledger signs one every half second).",
    )
    entries_topic: str = Field(
        default=LEDGER_TOPIC, description="Where the ledger announces its entries."
    )
    ingest_enabled: bool = True
    checklist: Rules = Field(
        default_factory=Rules,
        description="Checklist thresholds, as JSON (see notifier.checklist.rules).",
    )
    city_location: str | None = Field(
        default=None,
        description="Where the city's officials leave from, as `lat,lon` or `City, CC` "
        "(a GeoNames city and its ISO 3166-1 alpha-2 code); flight emissions are "
        "estimated only when it is set.",
    )
    travel_co2e_budget: float | None = Field(
        default=None,
        gt=0,
        description="Tonnes of CO2e a year that the city's climate plan allows for "
        "officials' travel; each year's estimate is compared with it.",
    )

    # Channels: webhooks, live stream, alerts (see notifier/channels).
    allow_private_receivers: bool = Field(
        default=False,
        description="Let webhooks reach loopback and private addresses (local runs only).",
    )
    webhooks_enabled: bool = Field(default=True, description="Run the delivery worker.")
    webhook_timeout: float = Field(
        default=15.0,
        gt=0,
        le=60,
        description="Seconds one attempt may take in all, connection to answer; "
        "Standard Webhooks recommends 15 to 30.",
    )
    webhook_retry_schedule: list[Annotated[float, Field(gt=0)]] = Field(
        default_factory=lambda: list(STANDARD_RETRY_SCHEDULE),
        min_length=1,
        max_length=50,
        description="Seconds before each retry after a failure (Standard Webhooks' example "
        "schedule); after the last, the delivery is dead.",
    )
    webhook_concurrency: int = Field(
        default=16, ge=1, le=256, description="Attempts in flight at once, in all."
    )
    webhook_receiver_concurrency: int = Field(
        default=4, ge=1, le=256, description="Attempts in flight at once to one subscription."
    )
    webhook_poll_interval: float = Field(default=1.0, gt=0, le=60)
    delivery_log_days: int = Field(
        default=30, ge=1, description="Days a finished delivery stays in the log."
    )
    subscription_create_limit: int = Field(
        default=10,
        ge=1,
        description="New subscriptions one client address may make at once; spent ones "
        "come back steadily, this many an hour.",
    )
    subscription_create_network_limit: int = Field(
        default=30,
        ge=1,
        description="New subscriptions one client network (IPv4 /24, IPv6 /64) may make at "
        "once; spent ones come back steadily, this many an hour.",
    )
    bulk_read_limit: int = Field(
        default=60,
        ge=1,
        description="Open-data requests (and live-stream replays from far back) one client "
        "address may make at once; spent ones come back steadily, this many an hour.",
    )
    bulk_read_network_limit: int = Field(
        default=240,
        ge=1,
        description="Open-data requests one client network (IPv4 /24, IPv6 /64) may make at "
        "once; spent ones come back steadily, this many an hour.",
    )
    verify_relay_limit: int = Field(
        default=1200,
        ge=1,
        description="Requests one client address may make at once of `/v1/verify/...`, "
        "each relayed to the ledger; spent ones come back steadily, this many an hour.",
    )
    verify_relay_network_limit: int = Field(
        default=4800,
        ge=1,
        description="Requests of `/v1/verify/...` one client network (IPv4 /24, IPv6 /64) "
        "may make at once; spent ones come back steadily, this many an hour.",
    )
    page_render_limit: int = Field(
        default=600,
        ge=1,
        description="Public pages, feeds and downloads made afresh (not answered from the "
        "page cache) for one client address at once; spent ones come back steadily, this "
        "many an hour.",
    )
    page_render_network_limit: int = Field(
        default=2400,
        ge=1,
        description="Public answers made afresh for one client network (IPv4 /24, IPv6 /64) "
        "at once; spent ones come back steadily, this many an hour.",
    )
    subscriptions_per_token: int = Field(default=50, ge=1)
    stream_poll_interval: float = Field(default=1.0, gt=0, le=60)
    stream_max_clients: int = Field(default=5000, ge=1)
    stream_max_per_client: int = Field(
        default=10, ge=1, description="Live-stream connections one client address may hold."
    )
    stream_queue: int = Field(default=1000, ge=10)
    alerts_enabled: bool = Field(default=True, description="Run the periodic alert check.")
    alert_interval: float = Field(default=300.0, gt=0)
    alert_horizon_days: int = Field(
        default=30, ge=1, description="Dates missed longer ago than this raise no alert."
    )

    @field_validator("city_location")
    @classmethod
    def _located(cls, value: str | None) -> str | None:
        if value is not None:
            gazetteer.home(value)  # a place the gazetteer cannot find stops the start
        return value

    @property
    def home(self) -> gazetteer.Place | None:
        """The city's location, where emissions are estimated from."""
        return gazetteer.home(self.city_location) if self.city_location else None

    @property
    def webhook_retry_window(self) -> float:
        """Seconds after its creation that a delivery is retried: the whole schedule."""
        return sum(self.webhook_retry_schedule)


@lru_cache
def get_settings() -> Settings:
    return Settings()
