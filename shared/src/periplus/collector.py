"""Python's cycle collector kept out of the way of the services' work.

Parsing and writing a batch of events, or answering a request, makes many
short-lived containers; reference counting frees them as they go, and few are
in cycles. At the default threshold the collector runs every 700 new
containers and walks the batch in flight again and again, and each full run
walks everything the process holds besides (its modules, its models' schemas).
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Young containers between two runs of the collector (Python's default is 700).
COLLECT_EVERY = 50_000


def collect_less() -> None:
    """Tune the collector once start-up has built what the process keeps: that is frozen
    out of its walks for good, and it runs less often. Each service's ``serve`` calls it."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(COLLECT_EVERY, *gc.get_threshold()[1:])


@contextmanager
def paused() -> Iterator[None]:
    """The collector paused in the block and as it was after; a long block collects now and
    then itself (``gc.collect()`` runs while the collector is paused)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
