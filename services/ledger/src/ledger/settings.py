"""Ledger settings, read from ``LEDGER_*`` environment variables."""

from functools import lru_cache
from pathlib import Path
from typing import Self

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from periplus.events import LEDGER_TOPIC, TRIPS_TOPIC
from periplus.note import NoteError, Verifier
from periplus.settings import BrokerSettings, home_path, home_sqlite


class Source(BaseModel):
    """A source the log takes events from: where to catch up, and the keys it signs with."""

    url: str = Field(description="Base URL of the source's catch-up endpoint `/v1/events`.")
    keys: list[str] = Field(
        min_length=1,
        description="The source's verifier keys (`<source>+<key id>+<key>`), pinned here.",
    )
    timeout: float | None = Field(
        default=None,
        gt=0,
        le=60,
        description="Seconds to wait for each read from this source's catch-up endpoint (a "
        "gap fill or a catch-up); default: `LEDGER_HTTP_TIMEOUT`.",
    )


class Settings(BrokerSettings):
    model_config = SettingsConfigDict(env_prefix="LEDGER_", extra="ignore")

    port: int = 8002
    database_url: str = Field(default_factory=lambda: home_sqlite("var/ledger.db"))
    origin: str = Field(
        default="periplus.local/demo-city/ledger",
        pattern=r"^[^\s+]+$",
        description="The log's name in its checkpoints; also the signing key's name.",
    )
    signing_key: SecretStr | None = Field(
        default=None, description="Base64 of a 32-byte Ed25519 seed; else the key file is used."
    )
    signing_key_file: Path = Field(default_factory=lambda: home_path("var/ledger.key"))
    sources: dict[str, Source] = Field(
        default_factory=dict,
        description=(
            'Each event source, its catch-up URL and its keys, as JSON: `{"demo-city/trips-api": '
            '{"url": "http://127.0.0.1:8001", "keys": ["demo-city/trips-api+..."]}}`; '
            'optionally `"timeout"`, its own seconds to wait for each read.'
        ),
    )
    witness_policy_file: Path | None = Field(
        default=None,
        description=(
            "C2SP tlog-policy file: the witnesses (with their URLs) that cosign each "
            "checkpoint and the quorum readers require; none: checkpoints are served unwitnessed."
        ),
    )
    witness_timeout: float = Field(
        default=5.0, gt=0, le=60, description="Seconds to wait for one witness's answer."
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
        default=2.0,
        gt=0,
        le=60,
        description="How often a reader tries to become the writer, and the writer renews "
        "its lease.",
    )
    writer_lease: float = Field(
        default=15.0,
        gt=0,
        le=600,
        description="Seconds the writer keeps the role (PostgreSQL) after its last renewal: "
        "a writer cut off from the database for longer loses it, and another takes over.",
    )
    quarantine_unsigned_rows: int = Field(
        default=100_000,
        ge=0,
        description="Refused messages that no source signed kept in the quarantine (each "
        "cut to 4 KiB, with the digest and size of the whole); past it they are still "
        "refused and counted in `ledger_quarantine_not_kept_total`, not kept, so whoever "
        "can write to the broker cannot fill the database. What a source signed is kept "
        "always.",
    )
    resolve_missing_after: float = Field(
        default=3600.0,
        gt=0,
        description="Seconds a source's seq may be missing (later seqs came, it did not) "
        "before `ledger resolve` may pass it though the source has not answered that it "
        "does not have it.",
    )
    signed_checkpoint_file: Path | None = Field(
        default=None,
        description="Where the newest checkpoint signed is kept, outside the database, so "
        "that a rolled-back database is refused; default: beside the key file, with the "
        "suffix .checkpoint.",
    )

    @property
    def signed_checkpoint_path(self) -> Path:
        return self.signed_checkpoint_file or self.signing_key_file.with_suffix(".checkpoint")

    @model_validator(mode="after")
    def _lease_outlasts_renewals(self) -> Self:
        if self.writer_lease < 3 * self.writer_retry:
            raise ValueError(
                "LEDGER_WRITER_LEASE must be at least 3 times LEDGER_WRITER_RETRY (how often "
                "the writer renews it), or a writer that misses one renewal loses its role"
            )
        return self

    @model_validator(mode="after")
    def _sources_keys(self) -> Self:
        if self.own_source in self.sources:
            raise ValueError(f"{self.own_source} is the ledger's own source, not an outside one")
        for name, source in self.sources.items():
            for text in source.keys:
                try:
                    key = Verifier.parse(text)
                except NoteError as exc:
                    raise ValueError(f"a key of source {name}: {exc}") from exc
                if key.name != name:
                    raise ValueError(f"a key of source {name} is named {key.name}")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
