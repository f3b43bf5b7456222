"""Notifier settings, read from ``NOTIFIER_*`` environment variables."""

from functools import lru_cache

from periplus.settings import ServiceSettings
from pydantic import Field
from pydantic_settings import SettingsConfigDict


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


@lru_cache
def get_settings() -> Settings:
    return Settings()
