"""The production description parses and names every service, port and database."""

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def test_compose_names_every_service_and_port() -> None:
    services = compose()["services"]
    assert set(services) == {"postgres", "kafka", "trips-api", "ledger", "notifier", "witness"}
    published = {name: s.get("ports", []) for name, s in services.items()}
    assert published["trips-api"] == ["8001:8001"]
    assert published["ledger"] == ["8002:8002"]
    assert published["notifier"] == ["8003:8003"]
    assert published["witness"] == ["8004:8004"]
    assert published["kafka"] == []  # reached on the compose network only


def test_kafka_runs_in_kraft_mode() -> None:
    env = compose()["services"]["kafka"]["environment"]
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert "CONTROLLER" in env["KAFKA_CONTROLLER_LISTENER_NAMES"]


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
    init = (ROOT / "deploy" / "postgres" / "init.sql").read_text()
    assert databases == set(re.findall(r"CREATE DATABASE (\w+);", init))


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
    ):
        assert re.search(rf"\$\{{{variable}:\?[^}}]+\}}", text), variable
    assert "demo-city" not in text
    services = compose()["services"]
    ledger, notifier = services["ledger"]["environment"], services["notifier"]["environment"]
    assert ledger["LEDGER_WITNESS_POLICY_FILE"] == notifier["NOTIFIER_TRUST_POLICY_FILE"]
    assert "${PERIPLUS_SOURCE_KEY}" in notifier["NOTIFIER_SOURCE_KEYS"]
    assert ledger["LEDGER_OWN_SOURCE"] == notifier["NOTIFIER_LEDGER_SOURCE"]
