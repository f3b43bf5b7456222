"""Ledger settings, read from ``LEDGER_*`` environment variables."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from periplus.events import LEDGER_TOPIC, TRIPS_TOPIC
from periplus.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LEDGER_", extra="ignore")

    port: int = 8002
    database_url: str = "sqlite:///var/ledger.db"
    origin: str = Field(
        default="periplus.local/demo-city/ledger",
        pattern=r"^[^\s+]+$",
        description="The log's name in its checkpoints; also the signing key's name.",
    )
    signing_key: str | None = Field(
        default=None, description="Base64 of a 32-byte Ed25519 seed; else the key file is used."
    )
    signing_key_file: Path = Path("var/ledger.key")
    sources: dict[str, str] = Field(
        default={"demo-city/trips-api": "http://127.0.0.1:8001"},
        description="Each event source and the base URL of its catch-up endpoint (JSON).",
    )
    checkpoint_interval: float = Field(default=0.5, gt=0, le=60)
    catchup_interval: float = Field(default=5.0, gt=0, le=3600)
    ingest_enabled: bool = True
    trips_topic: str = Field(default=TRIPS_TOPIC, description="Where events arrive.")
    entries_topic: str = Field(default=LEDGER_TOPIC, description="Where entries are announced.")
    own_source: str = Field(
        default="demo-city/ledger",
        pattern=r"^[a-z0-9][a-z0-9.-]{0,62}/[a-z0-9][a-z0-9.-]{0,62}$",
        description="The source of the log's own entries (withholding notices).",
    )
    writer_retry: float = Field(
        default=2.0, gt=0, le=60, description="How often a reader tries to become the writer."
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()
