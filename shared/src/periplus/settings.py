"""Settings every service reads from its environment, under its own prefix."""

import os
from pathlib import Path
from typing import Any, Literal, Self

import httpx
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from periplus.db import Limits
from periplus.kafka import Connection

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]

HOME_VARIABLE = "PERIPLUS_HOME"
"""The directory the default paths (``var/...``: keys, SQLite databases, ``make run``'s
trust files) are under; unset, the working directory. ``./periplus`` sets it to the
repository's root, so that a command run from elsewhere uses the same files as
``make run``."""


def home_path(relative: str) -> Path:
    """A default path: under ``$PERIPLUS_HOME`` if set, else relative to the working
    directory. Read when settings are made, so that the environment of the time counts."""
    home = os.environ.get(HOME_VARIABLE, "")
    return Path(home) / relative if home else Path(relative)


def home_sqlite(relative: str) -> str:
    """The URL of a default SQLite database file, placed as :func:`home_path` places it."""
    return f"sqlite:///{home_path(relative)}"


class ServiceSettings(BaseSettings):
    """Common knobs; each service subclasses this with its own ``env_prefix``."""

    # An error names the setting but never echoes the input: it holds passwords and keys.
    model_config = SettingsConfigDict(extra="ignore", hide_input_in_errors=True)

    host: str = "127.0.0.1"
    port: int
    database_url: str
    log_level: str = "INFO"
    max_body_bytes: int = 1_000_000
    trusted_proxies: str = Field(
        default="127.0.0.1",
        description="Comma-separated addresses or networks (CIDR) of the reverse proxies whose "
        "X-Forwarded-For and X-Forwarded-Proto are believed, so rate limits count the client "
        "behind them; empty: none.",
    )
    database_lock_timeout: float = Field(
        default=10.0,
        gt=0,
        description="Seconds a statement waits for a lock another transaction holds, then "
        "fails (503): PostgreSQL lock_timeout, SQLite busy_timeout.",
    )
    database_statement_timeout: float = Field(
        default=60.0, gt=0, description="PostgreSQL statement_timeout, in seconds."
    )
    database_idle_in_transaction_timeout: float = Field(
        default=60.0,
        gt=0,
        description="Seconds after which PostgreSQL ends a session idle inside a transaction "
        "(a host lost mid-transaction), freeing the rows it locked.",
    )
    database_dead_peer_timeout: float = Field(
        default=30.0,
        ge=3,
        description="Seconds of silence after which the service and PostgreSQL each drop "
        "their connection (TCP keepalives, tcp_user_timeout).",
    )
    database_connect_timeout: float = Field(
        default=10.0, ge=2, description="Seconds to open a PostgreSQL connection."
    )
    http_connect_timeout: float = Field(
        default=3.0, gt=0, description="Seconds to connect to another service over HTTP."
    )
    http_timeout: float = Field(
        default=10.0,
        gt=0,
        description="Seconds to wait for each read (and write) of an outbound HTTP request.",
    )

    @model_validator(mode="after")
    def _lock_wait_within_statement(self) -> Self:
        prefix = str(self.model_config.get("env_prefix", "")).upper()
        if self.database_lock_timeout >= self.database_statement_timeout:
            raise ValueError(
                f"{prefix}DATABASE_LOCK_TIMEOUT must be less than "
                f"{prefix}DATABASE_STATEMENT_TIMEOUT, which counts the wait for locks too"
            )
        return self

    def database_limits(self) -> Limits:
        """What every connection of this service waits for, at most."""
        return Limits(
            lock=self.database_lock_timeout,
            statement=self.database_statement_timeout,
            idle_in_transaction=self.database_idle_in_transaction_timeout,
            dead_peer=self.database_dead_peer_timeout,
            connect=self.database_connect_timeout,
        )

    def http_timeouts(self, read: float | None = None) -> httpx.Timeout:
        """Timeouts of an outbound HTTP client: ``read`` (else ``http_timeout``) for each
        read, write and wait for a pooled connection, ``http_connect_timeout`` to connect."""
        return httpx.Timeout(
            self.http_timeout if read is None else read, connect=self.http_connect_timeout
        )


class BrokerSettings(ServiceSettings):
    """The settings of a service that reaches the Kafka broker, and how it does."""

    kafka_bootstrap: str = "127.0.0.1:9092"
    kafka_security_protocol: SecurityProtocol = Field(
        default="PLAINTEXT",
        description="PLAINTEXT, SSL (TLS), SASL_PLAINTEXT or SASL_SSL (SASL over TLS).",
    )
    kafka_sasl_mechanism: SaslMechanism = Field(
        default="SCRAM-SHA-512", description="PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512."
    )
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_ca_file: Path | None = Field(
        default=None,
        description="PEM file of the CA(s) that signed the broker's certificate; else the "
        "system's trust store.",
    )
    kafka_ssl_cert_file: Path | None = Field(
        default=None, description="PEM client certificate, for brokers that require mTLS."
    )
    kafka_ssl_key_file: Path | None = Field(
        default=None, description="PEM private key (unencrypted) of the client certificate."
    )

    @field_validator("kafka_security_protocol", "kafka_sasl_mechanism", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        # librdkafka reads these regardless of case; so do we.
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator(
        "kafka_sasl_username",
        "kafka_sasl_password",
        "kafka_ssl_ca_file",
        "kafka_ssl_cert_file",
        "kafka_ssl_key_file",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _kafka_security_works(self) -> Self:
        """Refuse, at start-up, Kafka security settings that cannot work together."""
        prefix = str(self.model_config.get("env_prefix", "")).upper()

        def name(field: str) -> str:
            return f"{prefix}{field.upper()}"

        protocol = self.kafka_security_protocol
        said = f"{name('kafka_security_protocol')}={protocol}"
        sasl, tls = protocol.startswith("SASL_"), protocol.endswith("SSL")
        if sasl:
            for field in ("kafka_sasl_username", "kafka_sasl_password"):
                if getattr(self, field) is None:
                    raise ValueError(f"{said} needs {name(field)}")
        else:
            for field in ("kafka_sasl_username", "kafka_sasl_password"):
                if getattr(self, field) is not None:
                    raise ValueError(
                        f"{name(field)} is set but {said} does not authenticate by SASL: "
                        "use SASL_PLAINTEXT or SASL_SSL, or unset it"
                    )
        files = ("kafka_ssl_ca_file", "kafka_ssl_cert_file", "kafka_ssl_key_file")
        for field in files:
            path = getattr(self, field)
            if path is None:
                continue
            if not tls:
                raise ValueError(
                    f"{name(field)} is set but {said} does not use TLS: "
                    "use SSL or SASL_SSL, or unset it"
                )
            if not path.is_file():
                raise ValueError(f"{name(field)}: no file at {path}")
        cert, key = self.kafka_ssl_cert_file, self.kafka_ssl_key_file
        if (cert is None) != (key is None):
            given, missing = (files[1], files[2]) if key is None else (files[2], files[1])
            raise ValueError(f"{name(given)} needs {name(missing)}: a certificate and its key")
        return self

    def kafka_connection(self) -> Connection:
        """How this service reaches the broker: the bootstrap and librdkafka's security options."""
        protocol = self.kafka_security_protocol
        options: dict[str, str] = {}
        if protocol != "PLAINTEXT":
            options["security.protocol"] = protocol
        if protocol.startswith("SASL_"):
            # Both are there: the settings refused SASL without them.
            assert self.kafka_sasl_username is not None
            assert self.kafka_sasl_password is not None
            options["sasl.mechanism"] = self.kafka_sasl_mechanism
            options["sasl.username"] = self.kafka_sasl_username
            options["sasl.password"] = self.kafka_sasl_password.get_secret_value()
        files = {
            "ssl.ca.location": self.kafka_ssl_ca_file,
            "ssl.certificate.location": self.kafka_ssl_cert_file,
            "ssl.key.location": self.kafka_ssl_key_file,
        }
        options.update({option: str(path) for option, path in files.items() if path is not None})
        return Connection(self.kafka_bootstrap, tuple(sorted(options.items())))
