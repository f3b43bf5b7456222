"""Notifier settings, read from ``NOTIFIER_*`` environment variables."""

from functools import lru_cache

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from notifier.checklist.rules import Rules
from periplus.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFIER_", extra="ignore")

    port: int = 8003
    database_url: str = "sqlite:///var/notifier.db"
    ledger_url: str = Field(default="http://127.0.0.1:8002", description="Base URL of the ledger.")
    public_url: str = Field(
        default="http://127.0.0.1:8003", description="Base URL under which the public reads us."
    )
    site_name: str = "Periplus"
    catchup_interval: float = Field(default=5.0, gt=0, le=3600)
    ingest_enabled: bool = True
    checklist: Rules = Field(
        default_factory=Rules,
        description="Checklist thresholds, as JSON (see notifier.checklist.rules).",
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()
