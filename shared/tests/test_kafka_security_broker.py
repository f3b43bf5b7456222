"""Clients configured by the Kafka security settings talk TLS and SASL to a real broker.

Tansu 0.6.0, the local broker, cannot serve TLS itself (its CLI refuses ``--cert``
together with ``--key``), so the TLS tests put a TLS terminator in front of it, as
stunnel would be: the clients' TLS is real, checked by Python's ``ssl``. Its SASL
(``--authentication``, SCRAM) is its own, but on a memory-only store no user can be
made once authentication is required: the SASL test shows the SCRAM exchange taking
place and an unknown user refused, not an authenticated round trip.
"""

import asyncio
import logging
import ssl
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from periplus.kafka import BrokerError, Connection, Producer, TopicReader, ensure_topic, ping
from periplus.testing import Broker
from shared.tests.kafka_settings import Pki, issue_pki, settings_from


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return issue_pki(tmp_path_factory.mktemp("pki"))


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
