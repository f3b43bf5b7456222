"""Show an entry as soon as the ledger signs a checkpoint over it, and no sooner.

While announced entries wait, the ledger's checkpoint is read every poll
interval (the ledger signs one every half second); otherwise only the
periodic catch-up runs, which also brings what the broker lost. The timing is
``periplus.periodic.Schedule``'s; the catch-up is ``periplus.follower``'s.
"""

from notifier.ingest.ingestor import Ingestor
from periplus.periodic import Schedule


def follower_schedule(ingestor: Ingestor, poll_seconds: float, catch_up_seconds: float) -> Schedule:
    """The thread that catches up at start, every ``catch_up_seconds``, and every
    ``poll_seconds`` while announced entries wait (``notify`` when some were staged)."""
    return Schedule(
        "follower",
        ingestor.catch_up,
        catch_up_seconds,
        poll=poll_seconds,
        waiting=ingestor.waiting,
    )
