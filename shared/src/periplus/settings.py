"""Settings every service reads from its environment, under its own prefix."""

from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Common knobs; each service subclasses this with its own ``env_prefix``."""

    model_config = SettingsConfigDict(extra="ignore")

    host: str = "127.0.0.1"
    port: int
    database_url: str
    kafka_bootstrap: str = "127.0.0.1:9092"
    log_level: str = "INFO"
    max_body_bytes: int = 1_000_000
