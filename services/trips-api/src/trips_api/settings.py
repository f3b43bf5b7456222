"""trips-api settings, read from ``TRIPS_*`` environment variables."""

from functools import lru_cache

from periplus.settings import ServiceSettings
from pydantic import Field
from pydantic_settings import SettingsConfigDict


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

    @property
    def source(self) -> str:
        return f"{self.city_id}/trips-api"


@lru_cache
def get_settings() -> Settings:
    return Settings()
