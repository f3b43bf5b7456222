"""``make run`` keeps the system up: a killed broker or service comes back; SIGTERM stops all.

The runner (``python -m periplus.local``, what ``make run`` starts) runs in a
directory of its own, on free ports, with the real broker and services.
"""

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from periplus.testing import eventually, free_port

ROOT = Path(__file__).resolve().parent.parent
PORTS = ("KAFKA_PORT", "TRIPS_PORT", "LEDGER_PORT", "NOTIFIER_PORT", "WITNESS_PORT")


class Runner:
    def __init__(self, workdir: Path) -> None:
        self.ports = {name: free_port() for name in PORTS}
        self.output = workdir / "run.log"
        env = {**os.environ, **{name: str(port) for name, port in self.ports.items()}}
        departments = ROOT / "services/trips-api/departments.demo.json"
        if departments.exists():  # make run names it relative to the repository
            env["TRIPS_DEPARTMENTS_FILE"] = str(departments)
        with self.output.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "periplus.local"],
                cwd=workdir,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def log(self) -> str:
        return self.output.read_text(errors="replace")

    def pid(self, name: str) -> int:
        """The newest pid the runner reported for ``name``."""
        found = re.findall(rf"run: {re.escape(name)} started(?: again)? \(pid (\d+)\)", self.log())
        assert found, self.log()
        return int(found[-1])

    def until(self, check: Callable[[], bool], timeout: float = 60) -> None:
        """Wait for ``check``; on failure, show what the runner printed."""
        try:
            eventually(check, timeout=timeout)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\nthe runner printed:\n{self.log()[-6000:]}") from None

    def url(self, variable: str, path: str) -> str:
        return f"http://127.0.0.1:{self.ports[variable]}{path}"

    def running(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"the runner exited:\n{self.log()[-3000:]}")
        return "Periplus is running" in self.log()


@pytest.fixture
def runner(tmp_path: Path) -> Iterator[Runner]:
    runner = Runner(tmp_path)
    try:
        yield runner
    finally:
        if runner.process.poll() is None:
            runner.process.kill()  # the test failed: its children are in their own groups
            runner.process.wait()
            for name in ("broker", "trips-api", "ledger", "notifier", "witness"):
                with contextlib.suppress(AssertionError, ProcessLookupError):
                    os.killpg(runner.pid(name), signal.SIGKILL)


def status(url: str) -> int | None:
    try:
        return httpx.get(url, timeout=5).status_code
    except httpx.HTTPError:
        return None


def broker_ok(url: str) -> bool:
    try:
        body = httpx.get(url, timeout=5).json()
    except (httpx.HTTPError, ValueError):
        return False
    return bool(body.get("checks", {}).get("broker", {}).get("status") == "ok")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.e2e
def test_killed_processes_come_back_and_sigterm_stops_them_all(runner: Runner) -> None:
    runner.until(runner.running, timeout=180)
    ledger_ready = runner.url("LEDGER_PORT", "/readyz")
    trips_ready = runner.url("TRIPS_PORT", "/readyz")
    assert status(ledger_ready) == 200

    broker = runner.pid("broker")
    os.kill(broker, signal.SIGKILL)
    runner.until(lambda: "broker answers again" in runner.log())
    assert runner.pid("broker") != broker
    assert f"broker (pid {broker}) was killed by SIGKILL" in runner.log()
    runner.until(lambda: broker_ok(trips_ready))  # the services reach the new one

    ledger = runner.pid("ledger")
    os.kill(ledger, signal.SIGKILL)
    runner.until(lambda: "ledger answers again" in runner.log(), timeout=120)
    assert f"ledger (pid {ledger}) was killed by SIGKILL" in runner.log()
    runner.until(lambda: status(ledger_ready) == 200)
    assert status(runner.url("TRIPS_PORT", "/v1/trips")) == 200

    children = [runner.pid(n) for n in ("broker", "trips-api", "ledger", "notifier", "witness")]
    runner.process.send_signal(signal.SIGTERM)
    assert runner.process.wait(timeout=60) == 0
    assert not [pid for pid in children if alive(pid)]
    assert status(ledger_ready) is None
    assert runner.log().rstrip().endswith("run: stopped")


def test_a_port_in_use_stops_the_run_before_anything_starts(tmp_path: Path) -> None:
    """Something already listening where a service would would pass for it, and take its
    calls: the runner names the port and its variable, and starts nothing."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        env = {**os.environ, **{name: str(free_port()) for name in PORTS}, "LEDGER_PORT": str(port)}
        done = subprocess.run(
            [sys.executable, "-m", "periplus.local"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1
    assert f"port {port} (LEDGER_PORT) in use" in done.stderr
    assert "started" not in done.stdout + done.stderr
