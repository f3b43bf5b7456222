"""trips-api settings, read from ``TRIPS_*`` environment variables."""

from datetime import date
from decimal import Decimal
from functools import lru_cache

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from periplus.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TRIPS_", extra="ignore")

    port: int = 8001
    database_url: str = "sqlite:///var/trips.db"
    city_id: str = Field(
        default="demo-city",
        pattern=r"^[a-z0-9][a-z0-9.-]{0,62}$",
        description="Names this city in every event's source, `<city id>/trips-api`.",
    )
    reference_prefix: str = Field(default="CITY", pattern=r"^[A-Z]{2,8}$")
    relay_enabled: bool = True
    reporting_currency: str = Field(
        default="EUR",
        pattern=r"^[A-Z]{3}$",
        description="ISO 4217 currency in which every amount is also recorded and totalled.",
    )
    exchange_rates: dict[str, Decimal] = Field(
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
        default=15,
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

    @property
    def source(self) -> str:
        return f"{self.city_id}/trips-api"


@lru_cache
def get_settings() -> Settings:
    return Settings()
