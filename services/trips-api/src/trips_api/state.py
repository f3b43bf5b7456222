"""What the app keeps for its routes, typed: made once by ``main.build``.

Routes and dependencies read it through ``of`` or ``SettingsDep``, never through
``app.state``'s untyped attributes.
"""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from starlette.applications import Starlette

from periplus.outbox import OutboxRelay
from periplus.ratelimit import RateLimiter
from periplus.state import state_of
from trips_api.settings import Settings


@dataclass(frozen=True)
class State:
    settings: Settings
    engine: Engine
    relay: OutboxRelay
    limiter: RateLimiter  # anonymous reads, per client address and network


def of(app: Starlette) -> State:
    return state_of(app, State)


async def _settings(request: Request) -> Settings:  # async: on the loop, not in a thread
    return of(request.app).settings


SettingsDep = Annotated[Settings, Depends(_settings)]
