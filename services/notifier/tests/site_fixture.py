"""A notifier serving real HTTP over a fresh database, fed entries directly."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from notifier.main import build
from notifier.settings import Settings
from periplus.testing import Server


@dataclass
class Site:
    url: str
    app: Any
    next_index: int = 0

    def feed(self, events: list[dict[str, Any]]) -> None:
        """Apply events as the next ledger entries."""
        items = list(enumerate(events, self.next_index))
        with Session(self.app.state.engine) as session:
            self.app.state.ingestor.apply(session, items)
            session.commit()
        self.next_index += len(events)


def serve(
    database_url: str, ledger_url: str = "http://127.0.0.1:9", **extra: Any
) -> Iterator[Site]:
    settings = Settings(
        database_url=database_url,
        ledger_url=ledger_url,
        public_url="https://trips.example.org",
        kafka_bootstrap="127.0.0.1:9",
        ingest_enabled=False,
        webhooks_enabled=False,
        alerts_enabled=False,
        **extra,
    )
    app = build(settings)
    with Server(app) as server:
        yield Site(server.url, app)
