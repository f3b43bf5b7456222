"""Witness settings, read from ``WITNESS_*`` environment variables."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from periplus.settings import ServiceSettings, home_path, home_sqlite


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="WITNESS_", extra="ignore")

    port: int = 8004
    database_url: str = Field(default_factory=lambda: home_sqlite("var/witness.db"))
    name: str = Field(
        default="periplus.local/witness",
        pattern=r"^[^\s+]+$",
        description="The witness's key name, in its cosignatures and its vkey.",
    )
    key: SecretStr | None = Field(
        default=None, description="Base64 of a 32-byte Ed25519 seed; else the key file is used."
    )
    key_file: Path = Field(
        default_factory=lambda: home_path("var/witness.key"),
        description="A PEM Ed25519 key, made with mode 0600 on first start if missing.",
    )
    logs: Path | None = Field(
        default=None,
        description="A file of the vkeys of the logs this witness cosigns, one a line.",
    )
    max_body_bytes: int = Field(
        default=64 * 1024, description="A checkpoint, 63 proof lines and signatures fit."
    )
    evidence_per_log: int = Field(
        default=1000,
        ge=1,
        description="Refused checkpoints kept as evidence per log; past it they are refused "
        "and counted, not kept: the first ones prove the fork, and a log that signs a "
        "stream of them cannot fill the disk.",
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()
