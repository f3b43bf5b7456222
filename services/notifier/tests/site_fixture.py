"""A notifier serving real HTTP over a fresh database, fed entries directly."""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session

from notifier.ingest import service
from notifier.main import build
from notifier.settings import Settings
from periplus.testing import Server
from services.notifier.tests.public_samples import SOURCE_SIGNER

POLICY_FILE = Path(__file__).with_name("ledger.policy")
TRUST: dict[str, Any] = {
    "trust_policy_file": POLICY_FILE,
    "source_keys": {SOURCE_SIGNER.name: [str(SOURCE_SIGNER.verifier)]},
    "ledger_source": "test-city/ledger",  # ledger.testing's own source
}
"""Settings that trust the test ledger of ``ledger.testing`` and the samples' source."""


@dataclass
class Site:
    url: str
    app: Any
    next_index: int = 0

    def feed(self, events: list[dict[str, Any]]) -> None:
        """Apply events as the next ledger entries, as if verified."""
        items = list(enumerate(events, self.next_index))
        with Session(self.app.state.engine) as session:
            service.apply(session, items)
            session.commit()
        self.next_index += len(events)


def serve(
    database_url: str, ledger_url: str = "http://127.0.0.1:9", **extra: Any
) -> Iterator[Site]:
    """A notifier on a free port; ``extra`` settings win over the quiet defaults here."""
    defaults: dict[str, Any] = {
        "public_url": "https://trips.example.org",
        "kafka_bootstrap": "127.0.0.1:9",
        "ingest_enabled": False,
        "webhooks_enabled": False,
        "alerts_enabled": False,
        **TRUST,
    }
    settings = Settings(database_url=database_url, ledger_url=ledger_url, **{**defaults, **extra})
    app = build(settings)
    with Server(app) as server:
        yield Site(server.url, app)
