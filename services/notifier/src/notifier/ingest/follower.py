"""Show an entry as soon as the ledger signs a checkpoint over it, and no sooner.

While announced entries wait, the ledger's checkpoint is read every poll
interval (the ledger signs one every half second); otherwise only the
periodic catch-up runs, which also brings what the broker lost.
"""

import logging
import threading
import time

from notifier.ingest.ingestor import Ingestor

log = logging.getLogger(__name__)

RETRY_SECONDS = 1.0


class Follower(threading.Thread):
    def __init__(self, ingestor: Ingestor, poll_seconds: float, catch_up_seconds: float) -> None:
        super().__init__(name="follower", daemon=True)
        self.ingestor = ingestor
        self.poll_seconds, self.catch_up_seconds = poll_seconds, catch_up_seconds
        self._wake = threading.Event()
        self._halt = threading.Event()

    def notify(self) -> None:
        """Announcements were staged: look for a checkpoint over them now."""
        self._wake.set()

    def stop(self) -> None:
        self._halt.set()
        self._wake.set()
        self.join(timeout=10)

    def run(self) -> None:
        due = time.monotonic()  # the first catch-up runs at start
        while not self._halt.is_set():
            try:
                now = time.monotonic()
                if now >= due or self.ingestor.waiting():
                    self.ingestor.catch_up()
                    if now >= due:
                        due = now + self.catch_up_seconds
                pause = self.poll_seconds if self.ingestor.waiting() else due - time.monotonic()
            except Exception:
                log.exception("catching up failed; will retry")
                pause = RETRY_SECONDS
            self._wake.wait(max(pause, 0.0))
            self._wake.clear()
