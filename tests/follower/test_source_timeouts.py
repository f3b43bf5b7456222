"""A source's own timeout (``"timeout"`` in ``LEDGER_SOURCES``) bounds the ledger's reads
of that source, whatever the HTTP client's: a source that accepts and never answers
costs its own few seconds, not the client's long wait.

A real database, real HTTP to the sources, the ledger's own ingestion code.
"""

import threading
from contextlib import ExitStack

import httpx

from ledger import state
from ledger.testing import serve
from tests.follower.harness import SIGNERS, SOURCE, LedgerHarness, Stream

LONG = httpx.Timeout(600.0)  # the client's: a test that waited for it would not end


def test_a_source_that_hangs_is_given_up_on_after_its_own_timeout(database_url: str) -> None:
    own: dict[Stream, httpx.Timeout] = {"A": httpx.Timeout(0.5), "B": httpx.Timeout(0.5)}
    with ExitStack() as stack:
        ledger = LedgerHarness(database_url, stack, timeout=LONG, own=own)
        ledger.publish("A", 3)
        ledger.switch.mode = "hang"
        outcome: list[int] = []
        catching_up = threading.Thread(target=lambda: outcome.append(ledger.follow()))
        catching_up.start()
        assert ledger.switch.hanging.wait(30)
        catching_up.join(60)
        assert not catching_up.is_alive()  # each source's fetch timed out on its own timeout
        assert outcome == [0]
        assert ledger.applied("A") == []


def test_the_setting_gives_each_source_its_own_timeout(database_url: str) -> None:
    sources = {
        SOURCE["A"]: {"url": "http://127.0.0.1:9", "keys": [str(SIGNERS["A"].verifier)]},
        SOURCE["B"]: {
            "url": "http://127.0.0.1:9",
            "keys": [str(SIGNERS["B"].verifier)],
            "timeout": 1.5,
        },
    }
    with serve(database_url, sources=sources) as ledger:
        ingestor = state.of(ledger.app).ingestor
        assert ingestor.timeouts == {SOURCE["B"]: ledger.settings.http_timeouts(1.5)}
