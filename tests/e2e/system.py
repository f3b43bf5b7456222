"""The three services as real processes, on free ports, around one broker."""

import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Self

import httpx

from periplus import keyfile
from periplus.note import Signer
from periplus.policy import Policy
from periplus.testing import Broker, eventually, free_port

BIN = Path(sys.executable).parent
SOURCE = "demo-city/trips-api"
SOURCE_SEED = base64.b64encode(bytes(range(100, 132))).decode()
SOURCE_KEY = str(Signer(SOURCE, keyfile.from_seed(SOURCE_SEED)).verifier)
LEDGER_ORIGIN = "periplus.e2e/ledger"
LEDGER_SEED = base64.b64encode(bytes(range(132, 164))).decode()
LEDGER_SOURCE = "demo-city/ledger"
# What the notifier pins: the ledger's key, whose signature alone makes a checkpoint count.
LEDGER_POLICY = str(Policy.log_only(Signer(LEDGER_ORIGIN, keyfile.from_seed(LEDGER_SEED)).verifier))
PORT_PREFIX = {"trips-api": "TRIPS", "ledger": "LEDGER", "notifier": "NOTIFIER"}


class System:
    """trips-api, ledger and notifier, each a process with its own database."""

    def __init__(
        self, broker: Broker, databases: dict[str, str], workdir: Path, **env: str
    ) -> None:
        self.broker, self.workdir = broker, workdir
        self.ports = {name: free_port() for name in ("trips-api", "ledger", "notifier")}
        self.urls = {name: f"http://127.0.0.1:{port}" for name, port in self.ports.items()}
        policy_file = workdir / "notifier.policy"
        policy_file.write_text(LEDGER_POLICY)
        self.env = {
            **os.environ,
            "TRIPS_PORT": str(self.ports["trips-api"]),
            "TRIPS_DATABASE_URL": databases["trips-api"],
            "TRIPS_SIGNING_KEY": SOURCE_SEED,
            "LEDGER_PORT": str(self.ports["ledger"]),
            "LEDGER_DATABASE_URL": databases["ledger"],
            "LEDGER_SIGNING_KEY": LEDGER_SEED,
            "LEDGER_ORIGIN": LEDGER_ORIGIN,
            "LEDGER_OWN_SOURCE": LEDGER_SOURCE,
            "LEDGER_SOURCES": json.dumps(
                {SOURCE: {"url": self.urls["trips-api"], "keys": [SOURCE_KEY]}}
            ),
            "NOTIFIER_PORT": str(self.ports["notifier"]),
            "NOTIFIER_DATABASE_URL": databases["notifier"],
            "NOTIFIER_LEDGER_URL": self.urls["ledger"],
            "NOTIFIER_PUBLIC_URL": self.urls["notifier"],
            "NOTIFIER_ALLOW_PRIVATE_RECEIVERS": "true",
            "NOTIFIER_TRUST_POLICY_FILE": str(policy_file),
            "NOTIFIER_SOURCE_KEYS": json.dumps({SOURCE: [SOURCE_KEY]}),
            "NOTIFIER_LEDGER_SOURCE": LEDGER_SOURCE,
            **{f"{p}_KAFKA_BOOTSTRAP": broker.bootstrap for p in ("TRIPS", "LEDGER", "NOTIFIER")},
            **env,
        }
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.programs = {name: name for name in self.ports}

    def add_source(self, name: str, url: str, key: str) -> None:
        """Another source of events, with its catch-up URL and its verifier key, for the
        ledger and the notifier started from now on."""
        sources = json.loads(self.env["LEDGER_SOURCES"])
        keys = json.loads(self.env["NOTIFIER_SOURCE_KEYS"])
        sources[name], keys[name] = {"url": url, "keys": [key]}, [key]
        self.env["LEDGER_SOURCES"] = json.dumps(sources)
        self.env["NOTIFIER_SOURCE_KEYS"] = json.dumps(keys)

    def add(self, name: str, program: str) -> None:
        """Another process of ``program`` (say a standby ledger) under ``name``, on its own
        port, with the same settings and database; started by ``start(name)``."""
        self.programs[name] = program
        self.ports[name] = free_port()
        self.urls[name] = f"http://127.0.0.1:{self.ports[name]}"

    def start(self, name: str) -> None:
        self.launch(name)
        self.wait_started(name)

    def launch(self, name: str) -> None:
        """Start the process without waiting for it to answer."""
        program = self.programs[name]
        env = {**self.env, f"{PORT_PREFIX[program]}_PORT": str(self.ports[name])}
        with (self.workdir / f"{name}.log").open("ab") as log:  # the child keeps its own copy
            self.processes[name] = subprocess.Popen(
                [str(BIN / program), "serve"], env=env, cwd=self.workdir, stdout=log, stderr=log
            )

    def wait_started(self, name: str) -> None:
        url = f"{self.urls[name]}/healthz"
        eventually(lambda: self._alive(name) and _answers(url), timeout=60)

    def kill(self, name: str) -> None:
        """SIGKILL: the process gets no chance to finish anything."""
        process = self.processes.pop(name)
        process.kill()
        process.wait(timeout=20)

    def _alive(self, name: str) -> bool:
        if self.processes[name].poll() is not None:
            raise RuntimeError(f"{name} exited while starting:\n{self.log(name)[-3000:]}")
        return True

    def stop(self, name: str) -> None:
        process = self.processes.pop(name)
        process.terminate()
        process.wait(timeout=20)

    def __enter__(self) -> Self:
        try:
            for name in PORT_PREFIX:  # side by side: each spends its start importing
                self.launch(name)
            for name in PORT_PREFIX:
                self.wait_started(name)
        except BaseException:
            self.__exit__()  # what started must not outlive a failed start
            raise
        return self

    def __exit__(self, *_: object) -> None:
        for name in list(self.processes):
            self.stop(name)

    def key(self, scopes: str) -> str:
        """A new API key, made the way an operator makes one."""
        done = subprocess.run(
            [
                str(BIN / "trips-api"),
                "keys",
                "create",
                "--name",
                f"e2e {scopes}",
                "--scopes",
                scopes,
            ],
            env=self.env,
            cwd=self.workdir,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip().splitlines()[-1]

    def log(self, name: str) -> str:
        return (self.workdir / f"{name}.log").read_text(errors="replace")


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
