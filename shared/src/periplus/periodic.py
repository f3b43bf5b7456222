"""A daemon thread that runs one function at a fixed interval until stopped."""

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Periodic(threading.Thread):
    def __init__(self, name: str, interval: float, work: Callable[[], object]) -> None:
        super().__init__(name=name, daemon=True)
        self.interval, self.work = interval, work
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.wait(self.interval):
            try:
                self.work()
            except Exception:
                log.exception("periodic work failed; will retry", extra={"worker": self.name})

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=10)
