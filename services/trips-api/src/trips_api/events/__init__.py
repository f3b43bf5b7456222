"""The event store, which is also the outbox: every public fact, gapless by ``seq``."""
