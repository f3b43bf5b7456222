"""Kafka security settings: what is refused at start-up, what librdkafka is given, and
that clients so configured talk TLS and SASL to a real broker.

Tansu 0.6.0, the local broker, cannot serve TLS itself (its CLI refuses ``--cert``
together with ``--key``), so the TLS tests put a TLS terminator in front of it, as
stunnel would be: the clients' TLS is real, checked by Python's ``ssl``. Its SASL
(``--authentication``, SCRAM) is its own, but on a memory-only store no user can be
made once authentication is required: the SASL test shows the SCRAM exchange taking
place and an unknown user refused, not an authenticated round trip.
"""

import asyncio
import datetime
import ipaddress
import logging
import ssl
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka.admin import AdminClient
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pydantic import ValidationError
from pydantic_settings import SettingsConfigDict

from periplus.kafka import BrokerError, Connection, Producer, TopicReader, ensure_topic, ping
from periplus.settings import BrokerSettings
from periplus.testing import Broker


class Settings(BrokerSettings):
    model_config = SettingsConfigDict(env_prefix="TRIPS_", extra="ignore")
    port: int = 0
    database_url: str = "sqlite://"


# --- a throw-away CA, and a broker and a client certificate it signed -------------------


@dataclass(frozen=True)
class Pki:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> Path:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path


def _issue(
    ca: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    name: str,
    usage: x509.ObjectIdentifier,
    san: list[x509.GeneralName],
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(name))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    )
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    return builder.sign(ca_key, hashes.SHA256()), key


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    folder = tmp_path_factory.mktemp("pki")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("periplus test CA"))
        .issuer_name(_name("periplus test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    server, server_key = _issue(
        ca,
        ca_key,
        "127.0.0.1",
        ExtendedKeyUsageOID.SERVER_AUTH,
        [x509.DNSName("127.0.0.1"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))],
    )
    client, client_key = _issue(ca, ca_key, "trips-api", ExtendedKeyUsageOID.CLIENT_AUTH, [])
    pem = serialization.Encoding.PEM
    (folder / "ca.pem").write_bytes(ca.public_bytes(pem))
    (folder / "server.pem").write_bytes(server.public_bytes(pem))
    (folder / "client.pem").write_bytes(client.public_bytes(pem))
    return Pki(
        ca=folder / "ca.pem",
        server_cert=folder / "server.pem",
        server_key=_write_key(folder / "server.key", server_key),
        client_cert=folder / "client.pem",
        client_key=_write_key(folder / "client.key", client_key),
    )


def settings_from(monkeypatch: pytest.MonkeyPatch, **env: Any) -> Settings:
    """Settings read from TRIPS_KAFKA_* variables, as the service reads them."""
    for name, value in env.items():
        monkeypatch.setenv(f"TRIPS_KAFKA_{name.upper()}", str(value))
    return Settings()


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


# --- against a real broker --------------------------------------------------------------


class TlsTerminator:
    """Takes TLS connections on a port of its own and pipes them to a plain broker."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self.context, self.upstream = context, 0
        self.open: set[asyncio.StreamWriter] = set()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server = self._call(asyncio.start_server(self._pipe, "127.0.0.1", 0, ssl=self.context))
        self.port: int = self.server.sockets[0].getsockname()[1]

    def _call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(10)

    async def _pipe(self, client: asyncio.StreamReader, to_client: asyncio.StreamWriter) -> None:
        broker, to_broker = await asyncio.open_connection("127.0.0.1", self.upstream)
        self.open |= {to_client, to_broker}

        async def copy(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except OSError:
                pass
            finally:
                sink.close()

        await asyncio.gather(copy(client, to_broker), copy(broker, to_client))

    def close(self) -> None:
        async def stop() -> None:
            self.server.close()
            for writer in self.open:
                writer.close()

        self._call(stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


@pytest.fixture
def tls_broker(pki: Pki) -> Iterator[tuple[Broker, int]]:
    """A broker reached only through TLS, with client certificates required (mTLS)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(pki.ca))
    context.load_cert_chain(pki.server_cert, pki.server_key)
    context.verify_mode = ssl.CERT_REQUIRED
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)  # refused handshakes, expected
    terminator = TlsTerminator(context)
    broker = Broker(advertised_port=terminator.port)
    terminator.upstream = broker.port
    broker.start()
    try:
        yield broker, terminator.port
    finally:
        broker.stop()
        terminator.close()


def read(reader: TopicReader, seconds: float, until: int = 1_000) -> list[bytes]:
    got: list[bytes] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and len(got) < until:
        got += [record.value for record in reader.poll(200)]
    return got


def refused(producers: list[Producer], topic: str, seconds: float = 3.0) -> None:
    """Each producer's message, sent at once, is still not acknowledged ``seconds`` later."""
    for producer in producers:
        producer.send(topic, b"refused", b"k")
    deadline = time.monotonic() + seconds
    for producer in producers:
        with pytest.raises(BrokerError, match="not acknowledged"):
            producer.flush(timeout=max(0.1, deadline - time.monotonic()))


def test_clients_connect_over_tls_and_plaintext_is_refused(
    monkeypatch: pytest.MonkeyPatch,
    pki: Pki,
    tls_broker: tuple[Broker, int],
    caplog: pytest.LogCaptureFixture,
) -> None:
    _, port = tls_broker
    address = f"127.0.0.1:{port}"
    client = {"ssl_cert_file": pki.client_cert, "ssl_key_file": pki.client_key}
    with monkeypatch.context() as patch:
        tls = settings_from(
            patch, bootstrap=address, security_protocol="SSL", ssl_ca_file=pki.ca, **client
        ).kafka_connection()
    with monkeypatch.context() as patch:  # the broker's CA not trusted: the system's store
        untrusting = settings_from(
            patch, bootstrap=address, security_protocol="SSL", **client
        ).kafka_connection()
    with monkeypatch.context() as patch:  # no client certificate
        anonymous = settings_from(
            patch, bootstrap=address, security_protocol="SSL", ssl_ca_file=pki.ca
        ).kafka_connection()
    plaintext = Connection(address)

    topic = f"test.{uuid.uuid4().hex[:8]}.v1"
    ping(tls)
    ensure_topic(tls, topic)
    producer, reader = Producer(tls), TopicReader(tls, topic)
    others = [Producer(c) for c in (plaintext, untrusting, anonymous)]
    caplog.set_level(logging.INFO, logger="periplus.kafka.client")
    try:
        reader.seek({})
        producer.send(topic, b"over tls", b"k")
        producer.flush()
        refused(others, topic)
        # Only what came over TLS, from a client that trusts the broker's CA and shows
        # its own certificate, reached the topic.
        assert read(reader, 1) == [b"over tls"]
        assert "certificate verify failed" in caplog.text  # the untrusting client's
    finally:
        producer.close()
        reader.close()
        for other in others:
            other.close(timeout=0)


@pytest.fixture
def sasl_broker() -> Iterator[Broker]:
    broker = Broker(authentication=True)
    broker.start()
    yield broker
    broker.stop()


def test_sasl_clients_authenticate_by_scram(
    monkeypatch: pytest.MonkeyPatch, sasl_broker: Broker, caplog: pytest.LogCaptureFixture
) -> None:
    connection = settings_from(
        monkeypatch,
        bootstrap=sasl_broker.bootstrap,
        security_protocol="SASL_PLAINTEXT",
        sasl_mechanism="SCRAM-SHA-512",
        sasl_username="nobody",
        sasl_password="wrong",
    ).kafka_connection()
    caplog.set_level(logging.DEBUG, logger="periplus.kafka.client")
    sasl, plaintext = Producer(connection), Producer(sasl_broker.connection)
    try:
        refused([sasl, plaintext], "test.v1")
    finally:
        sasl.close(timeout=0)
        plaintext.close(timeout=0)
    # The broker judged the SCRAM exchange (no user can exist on a memory-only store).
    assert "SASL SCRAM authentication failed: broker responded with unknown-user" in caplog.text
