"""What the app keeps for its routes, typed: made once by ``main.build``.

Routes and dependencies read it through ``of``, never through ``app.state``'s
untyped attributes.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from sqlalchemy import Engine
from starlette.applications import Starlette

from notifier.channels.stream.hub import StreamHub
from notifier.ingest.ingestor import Ingestor
from notifier.publish.models import States
from notifier.publish.yearbook import Cache as YearbookCache
from notifier.settings import Settings
from notifier.trust import Trust
from periplus.ratelimit import RateLimiter
from periplus.state import state_of


@dataclass(frozen=True)
class State:
    settings: Settings
    engine: Engine
    trust: Trust  # the keys pinned for the ledger, its witnesses and the sources
    ingestor: Ingestor
    stream_hub: StreamHub
    wake_deliveries: Callable[[], None]  # look for due webhook deliveries now
    subscription_limiter: RateLimiter  # new subscriptions per client address and network
    yearbook: YearbookCache = field(default_factory=YearbookCache)  # counted once per version
    states: States = field(default_factory=States)  # typed once per trip change

    def __post_init__(self) -> None:
        # The yearbook is brought up to date as soon as the ingestor shows entries.
        settings = self.settings
        follow = partial(self.yearbook.follow, self.engine, settings.checklist, settings.home)
        self.ingestor.on_shown.append(follow)


def of(app: Starlette) -> State:
    return state_of(app, State)
