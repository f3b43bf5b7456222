"""Kafka security settings: what is refused at start-up, and what librdkafka is given
(``test_kafka_security_broker`` shows clients so configured talking TLS and SASL to a real
broker).
"""

from pathlib import Path
from typing import Any

import pytest
from confluent_kafka.admin import AdminClient
from pydantic import ValidationError

from periplus.kafka import Connection, Producer, TopicReader
from shared.tests.kafka_settings import Pki, Settings, issue_pki, settings_from


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return issue_pki(tmp_path_factory.mktemp("pki"))


# --- refused at start-up ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"security_protocol": "SASL_SSL", "sasl_password": "pw"},
            "TRIPS_KAFKA_SECURITY_PROTOCOL=SASL_SSL needs TRIPS_KAFKA_SASL_USERNAME",
        ),
        (
            {"security_protocol": "SASL_PLAINTEXT", "sasl_username": "trips"},
            "TRIPS_KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT needs TRIPS_KAFKA_SASL_PASSWORD",
        ),
        (
            {"security_protocol": "SASL_SSL", "sasl_username": "", "sasl_password": "pw"},
            "needs TRIPS_KAFKA_SASL_USERNAME",
        ),
        (
            {"sasl_username": "trips", "sasl_password": "pw"},
            "TRIPS_KAFKA_SASL_USERNAME is set but TRIPS_KAFKA_SECURITY_PROTOCOL=PLAINTEXT "
            "does not authenticate by SASL",
        ),
        ({"security_protocol": "TLS"}, "Input should be 'PLAINTEXT', 'SSL', 'SASL_PLAINTEXT'"),
        (
            {
                "security_protocol": "SASL_SSL",
                "sasl_mechanism": "GSSAPI",
                "sasl_username": "trips",
                "sasl_password": "pw",
            },
            "Input should be 'PLAIN', 'SCRAM-SHA-256' or 'SCRAM-SHA-512'",
        ),
    ],
)
def test_settings_that_cannot_work_are_refused(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        settings_from(monkeypatch, **env)


def test_a_refusal_never_echoes_the_password(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError) as refused:
        settings_from(monkeypatch, security_protocol="SASL_SSL", sasl_password="hunter2")
    assert "hunter2" not in str(refused.value)


def test_tls_files_that_cannot_work_are_refused(
    monkeypatch: pytest.MonkeyPatch, pki: Pki, tmp_path: Path
) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        (
            {"security_protocol": "SSL", "ssl_cert_file": pki.client_cert},
            "TRIPS_KAFKA_SSL_CERT_FILE needs TRIPS_KAFKA_SSL_KEY_FILE",
        ),
        (
            {"security_protocol": "SASL_SSL", "ssl_key_file": pki.client_key},
            "TRIPS_KAFKA_SECURITY_PROTOCOL=SASL_SSL needs TRIPS_KAFKA_SASL_USERNAME",
        ),
        (
            {"security_protocol": "SSL", "ssl_key_file": pki.client_key},
            "TRIPS_KAFKA_SSL_KEY_FILE needs TRIPS_KAFKA_SSL_CERT_FILE",
        ),
        (
            {"security_protocol": "SSL", "ssl_ca_file": tmp_path / "missing.pem"},
            "TRIPS_KAFKA_SSL_CA_FILE: no file at",
        ),
        (
            {"ssl_ca_file": pki.ca},
            "TRIPS_KAFKA_SSL_CA_FILE is set but TRIPS_KAFKA_SECURITY_PROTOCOL=PLAINTEXT "
            "does not use TLS",
        ),
    ]
    for env, message in cases:
        with monkeypatch.context() as patch, pytest.raises(ValidationError, match=message):
            settings_from(patch, **env)


# --- what librdkafka is given -----------------------------------------------------------


def test_the_default_is_the_bare_local_broker() -> None:
    assert Settings().kafka_connection() == Connection("127.0.0.1:9092")
    assert Connection("127.0.0.1:9092").protocol == "PLAINTEXT"


def test_settings_map_to_librdkafka_options(monkeypatch: pytest.MonkeyPatch, pki: Pki) -> None:
    settings = settings_from(
        monkeypatch,
        bootstrap="kafka-1:9093,kafka-2:9093",
        security_protocol="sasl_ssl",  # librdkafka reads any case; so do the settings
        sasl_mechanism="scram-sha-256",
        sasl_username="trips-api",
        sasl_password="s3cret",
        ssl_ca_file=pki.ca,
        ssl_cert_file=pki.client_cert,
        ssl_key_file=pki.client_key,
    )
    connection = settings.kafka_connection()
    assert connection.bootstrap == "kafka-1:9093,kafka-2:9093"
    assert dict(connection.security) == {
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": "SCRAM-SHA-256",
        "sasl.username": "trips-api",
        "sasl.password": "s3cret",
        "ssl.ca.location": str(pki.ca),
        "ssl.certificate.location": str(pki.client_cert),
        "ssl.key.location": str(pki.client_key),
    }
    assert connection.options()["bootstrap.servers"] == "kafka-1:9093,kafka-2:9093"
    assert "s3cret" not in repr(connection)
    assert "s3cret" not in repr(settings)


def test_ssl_without_a_ca_file_uses_the_system_trust_store(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    connection = settings_from(monkeypatch, security_protocol="SSL").kafka_connection()
    assert dict(connection.security) == {"security.protocol": "SSL"}


def _valid_settings(pki: Pki) -> list[dict[str, Any]]:
    tls = {"ssl_ca_file": pki.ca}
    mtls = {**tls, "ssl_cert_file": pki.client_cert, "ssl_key_file": pki.client_key}
    sasl = {"sasl_username": "trips-api", "sasl_password": "pw"}
    return [
        {},
        {"security_protocol": "SSL"},
        {"security_protocol": "SSL", **tls},
        {"security_protocol": "SSL", **mtls},
        *(
            {"security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": mechanism, **sasl}
            for mechanism in ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
        ),
        {"security_protocol": "SASL_SSL", **sasl},
        {"security_protocol": "SASL_SSL", **sasl, **mtls},
    ]


def test_librdkafka_accepts_every_valid_configuration(
    monkeypatch: pytest.MonkeyPatch, pki: Pki
) -> None:
    # Nothing listens there: the clients are made (files loaded, options checked), not used.
    for env in _valid_settings(pki):
        with monkeypatch.context() as patch:
            connection = settings_from(patch, bootstrap="127.0.0.1:9", **env).kafka_connection()
        producer = Producer(connection)
        producer.close(timeout=0)
        TopicReader(connection, "test.v1").close()
        AdminClient(connection.options())
