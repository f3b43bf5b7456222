"""The production description parses and names every service, port and database."""

import os
import re
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from ledger.settings import Settings as LedgerSettings
from notifier.settings import Settings as NotifierSettings
from trips_api.settings import Settings as TripsSettings
from witness.settings import Settings as WitnessSettings

ROOT = Path(__file__).resolve().parent.parent
SERVER = make_url(
    os.environ.get(
        "PERIPLUS_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
)


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def test_compose_names_every_service_and_port() -> None:
    services = compose()["services"]
    assert set(services) == {"postgres", "kafka", "trips-api", "ledger", "notifier", "witness"}
    published = {name: s.get("ports", []) for name, s in services.items()}
    # On the host's loopback alone: the TLS proxy in front is what the world reaches.
    assert published["trips-api"] == ["127.0.0.1:8001:8001"]
    assert published["ledger"] == ["127.0.0.1:8002:8002"]
    assert published["notifier"] == ["127.0.0.1:8003:8003"]
    assert published["witness"] == ["127.0.0.1:8004:8004"]
    assert published["kafka"] == []  # reached on the compose network only


def test_a_deployment_names_its_own_public_address() -> None:
    notifier = compose()["services"]["notifier"]["environment"]
    assert notifier["NOTIFIER_PUBLIC_URL"].startswith("${PERIPLUS_PUBLIC_URL:?")


def test_kafka_runs_in_kraft_mode() -> None:
    env = compose()["services"]["kafka"]["environment"]
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert "CONTROLLER" in env["KAFKA_CONTROLLER_LISTENER_NAMES"]


def test_kafka_keeps_its_log_on_its_volume() -> None:
    """The image's default log directory is under /tmp, outside any volume."""
    kafka = compose()["services"]["kafka"]
    mounts = dict(reversed(v.split(":")[:2]) for v in kafka["volumes"])
    assert mounts[kafka["environment"]["KAFKA_LOG_DIRS"]] == "kafka-data"
    assert kafka["environment"]["CLUSTER_ID"]  # fixed, so the formatted directory is reused


def test_kafka_keeps_records_for_a_finite_time() -> None:
    env = compose()["services"]["kafka"]["environment"]
    assert env["KAFKA_LOG_RETENTION_HOURS"] == 168


def test_services_build_from_deploy_and_use_their_own_database() -> None:
    services = compose()["services"]
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    databases = set()
    for name, prefix in (
        ("trips-api", "TRIPS"),
        ("ledger", "LEDGER"),
        ("notifier", "NOTIFIER"),
        ("witness", "WITNESS"),
    ):
        build = services[name]["build"]
        assert build["dockerfile"] == "deploy/Dockerfile"
        assert re.search(rf"^FROM base AS {build['target']}$", dockerfile, re.M)
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
        url = services[name]["environment"][f"{prefix}_DATABASE_URL"]
        assert url.startswith("postgresql://")
        databases.add(url.rsplit("/", 1)[1])
        if name != "witness":  # a witness needs no broker
            assert services[name]["environment"][f"{prefix}_KAFKA_BOOTSTRAP"] == "kafka:29092"
        role = url.removeprefix("postgresql://").split(":", 1)[0]
        assert role == url.rsplit("/", 1)[1]  # its own role, on its own database
        password = f"PERIPLUS_{role.upper()}_DB_PASSWORD"
        assert f"${{{password}}}" in url
        postgres = services["postgres"]["environment"]
        assert postgres[f"{role.upper()}_DB_PASSWORD"].startswith(f"${{{password}:?")
    init = (ROOT / "deploy" / "postgres" / "init.sh").read_text()
    made = re.search(r"PERIPLUS_DATABASES:-([a-z ]+)\}", init)
    assert made is not None
    assert set(made[1].split()) == databases


def test_each_service_role_reaches_its_own_database_only() -> None:
    """deploy/postgres/init.sh, run on a real server: a role per service, each owning its
    database, none able to connect to another's; a password with a quote in it is kept
    whole."""
    suffix = uuid.uuid4().hex[:8]
    names = [f"periplus_{suffix}_a", f"periplus_{suffix}_b"]
    env = {
        **os.environ,
        "PGHOST": SERVER.host or "127.0.0.1",
        "PGPORT": str(SERVER.port or 5432),
        "POSTGRES_USER": SERVER.username or "postgres",
        "PERIPLUS_DATABASES": " ".join(names),
        **{f"{name.upper()}_DB_PASSWORD": f"secret '{name}" for name in names},
    }
    init = ROOT / "deploy" / "postgres" / "init.sh"
    try:
        subprocess.run(["bash", str(init)], env=env, check=True, capture_output=True)
        own, other = names
        as_own = SERVER.set(username=own, password=f"secret '{own}")
        engine = create_engine(as_own.set(database=own))
        with engine.begin() as connection:  # the owner makes its tables
            connection.execute(text("CREATE TABLE trip (id integer primary key)"))
        engine.dispose()
        for elsewhere in (other, "postgres", "template1"):  # nor the server's own
            engine = create_engine(as_own.set(database=elsewhere))
            with pytest.raises(OperationalError, match="permission denied for database"):
                engine.connect().close()
            engine.dispose()
        missing = {**env, "PERIPLUS_DATABASES": f"periplus_{suffix}_c"}
        refused = subprocess.run(["bash", str(init)], env=missing, capture_output=True, text=True)
        assert refused.returncode != 0
        assert f"PERIPLUS_{suffix.upper()}_C_DB_PASSWORD" in refused.stderr
    finally:
        admin = create_engine(SERVER, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                connection.execute(text(f'DROP ROLE IF EXISTS "{name}"'))
            # This server is shared: its own databases open to everyone again, as they were.
            connection.execute(text("GRANT CONNECT, TEMPORARY ON DATABASE postgres TO PUBLIC"))
            connection.execute(text("GRANT CONNECT, TEMPORARY ON DATABASE template1 TO PUBLIC"))
        admin.dispose()


def test_a_real_deployment_names_itself_and_pins_its_trust() -> None:
    """No demo names or passwords in production: compose refuses to start without them."""
    text = (ROOT / "docker-compose.yml").read_text()
    for variable in (
        "POSTGRES_PASSWORD",
        "PERIPLUS_CITY_ID",
        "PERIPLUS_LEDGER_ORIGIN",
        "PERIPLUS_SOURCE_KEY",
        "PERIPLUS_TRUST_POLICY",
        "PERIPLUS_WITNESS_LOGS",
        "PERIPLUS_WITNESS_NAME",
        "PERIPLUS_TRUSTED_PROXIES",
        *(f"PERIPLUS_{role}_DB_PASSWORD" for role in ("TRIPS", "LEDGER", "NOTIFIER", "WITNESS")),
    ):
        assert re.search(rf"\$\{{{variable}:\?[^}}]+\}}", text), variable
    assert "demo-city" not in text
    services = compose()["services"]
    ledger, notifier = services["ledger"]["environment"], services["notifier"]["environment"]
    assert ledger["LEDGER_WITNESS_POLICY_FILE"] == notifier["NOTIFIER_TRUST_POLICY_FILE"]
    assert "${PERIPLUS_SOURCE_KEY}" in notifier["NOTIFIER_SOURCE_KEYS"]
    assert ledger["LEDGER_OWN_SOURCE"] == notifier["NOTIFIER_LEDGER_SOURCE"]


def test_every_service_believes_the_tls_proxy_it_is_told_of() -> None:
    """Docker forwards a published port from the compose network's gateway, not from
    127.0.0.1 (the setting's default): without the deployment's proxies named, every
    request would seem to come from one client, and rate limits would hold the whole city."""
    services = compose()["services"]
    for name, settings in (
        ("trips-api", TripsSettings),
        ("ledger", LedgerSettings),
        ("notifier", NotifierSettings),
        ("witness", WitnessSettings),
    ):
        variable = f"{settings.model_config.get('env_prefix', '')}TRUSTED_PROXIES"
        assert "trusted_proxies" in settings.model_fields
        value = services[name]["environment"][variable]
        assert value.startswith("${PERIPLUS_TRUSTED_PROXIES"), name


def test_the_ledgers_checkpoint_record_is_on_a_volume_apart_from_its_key() -> None:
    """The key volume is backed up and restored; the record of the newest checkpoint signed
    must never be restored with an older database, so it cannot share the key's volume."""
    ledger = compose()["services"]["ledger"]
    env = ledger["environment"]
    record = Path(env["LEDGER_SIGNED_CHECKPOINT_FILE"])
    key = Path(env["LEDGER_SIGNING_KEY_FILE"])
    mounts = dict(reversed(v.split(":")[:2]) for v in ledger["volumes"])
    assert mounts[str(record.parent)] == "ledger-checkpoint"
    assert mounts[str(key.parent)] == "ledger-key"
    assert "ledger-checkpoint" in compose()["volumes"]
    # Made in the image, owned by the service's user, so the new volume is writable.
    assert re.search(
        rf"mkdir -p [^&]*{record.parent}\b", (ROOT / "deploy" / "Dockerfile").read_text()
    )
