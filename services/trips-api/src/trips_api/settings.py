"""trips-api settings, read from ``TRIPS_*`` environment variables."""

from datetime import date
from decimal import Decimal
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from periplus import keyfile, rules
from periplus.note import Signer
from periplus.settings import BrokerSettings, home_path, home_sqlite

ConfiguredRate = Annotated[Decimal, Field(gt=0, max_digits=18, decimal_places=10)]
"""A configured rate, within what a client may send (``fields.Rate``): up to 8 digits
before the point and 10 after it."""


class Settings(BrokerSettings):
    model_config = SettingsConfigDict(env_prefix="TRIPS_", extra="ignore")

    port: int = 8001
    database_url: str = Field(default_factory=lambda: home_sqlite("var/trips.db"))
    city_id: str = Field(
        default="demo-city",
        pattern=r"^[a-z0-9][a-z0-9.-]{0,62}$",
        description="Names this city in every event's source, `<city id>/trips-api`.",
    )
    signing_key: SecretStr | None = Field(
        default=None,
        description="Base64 of the 32-byte Ed25519 seed that signs events; else the key file.",
    )
    signing_key_file: Path = Field(
        default_factory=lambda: home_path("var/trips-api.key"),
        description="PEM file of the events' signing key, made with mode 0600 on first start.",
    )
    database_ping_idle: float = Field(
        default=10.0,
        ge=0,
        description="Seconds a pooled PostgreSQL connection may sit unused before it is tried "
        "(and replaced if the server dropped it) ahead of its next use; 0: before every use, "
        "a round trip per request. One dropped while in use fails its request with 503, "
        "safe to retry with the same Idempotency-Key.",
    )
    reference_prefix: str = Field(default="CITY", pattern=r"^[A-Z]{2,8}$")
    relay_enabled: bool = True
    reporting_currency: str = Field(
        default="EUR",
        pattern=r"^[A-Z]{3}$",
        description="ISO 4217 currency in which every amount is also recorded and totalled.",
    )
    exchange_rates: dict[str, ConfiguredRate] = Field(
        default_factory=dict,
        description=(
            'Reporting-currency units per unit of each currency, as JSON: `{"USD": "0.92"}`. '
            "Used when a client sends an amount without its own rate."
        ),
    )
    exchange_rates_date: date | None = Field(
        default=None, description="The date of the configured rates; today if unset."
    )
    urgency_days: int = Field(
        default=rules.URGENCY_DAYS,
        ge=0,
        le=365,
        description="A trip approved fewer days than this before departure needs a justification.",
    )
    report_due_days: int = Field(
        default=30, ge=1, le=365, description="Days after return by which the report is due."
    )
    idempotency_hours: int = Field(
        default=24 * 7,
        ge=0,
        le=24 * 365,
        description="How long an Idempotency-Key is remembered; after that it may act again.",
    )
    public_reads_per_minute: int = Field(
        default=600, ge=1, description="Steady rate of anonymous reads allowed per client IP."
    )
    public_read_burst: int = Field(default=120, ge=1, description="Anonymous reads in a burst.")
    public_network_reads_per_minute: int = Field(
        default=2400,
        ge=1,
        description="Anonymous reads one client network (IPv4 /24, IPv6 /64) may make at once; "
        "spent ones come back steadily, this many a minute. An IPv6 /48 may make four times "
        "as many. One address is cheap to change inside a network one party holds.",
    )
    departments_file: Path | None = Field(
        default=None,
        description="The city's department registry (JSON or CSV of code and name), loaded "
        "at every start: codes it lists are added, renamed or retired to match it; others stay.",
    )

    @property
    def source(self) -> str:
        return f"{self.city_id}/trips-api"

    @cached_property
    def signer(self) -> Signer:
        """The source's key: every event is signed with it, under the source's name."""
        seed = self.signing_key.get_secret_value() if self.signing_key else None
        return Signer(self.source, keyfile.load(seed, self.signing_key_file))


@lru_cache
def get_settings() -> Settings:
    return Settings()
