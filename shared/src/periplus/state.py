"""A service's app state, typed: one object that its ``build`` keeps on the app and its
routes read, rather than ``app.state``'s untyped attributes; and typed access to what
``web.create_app`` keeps there for every service."""

import asyncio
from typing import TypeVar

from starlette.applications import Starlette

from periplus.readiness import Readiness

S = TypeVar("S")


def set_state(app: Starlette, state: object) -> None:
    """Keep a service's typed state (its ``State``) on ``app``, once, in its ``build``."""
    app.state.service = state


def state_of(app: Starlette, kind: type[S]) -> S:
    """The service's typed state that ``set_state`` kept."""
    return _kept(app, "service", kind)


def readiness_of(app: Starlette) -> Readiness:
    """The checks ``create_app`` made, to which a service adds its own."""
    return _kept(app, "readiness", Readiness)


def stopping_of(app: Starlette) -> asyncio.Event:
    """Set when the server begins to stop (see ``web.Server``)."""
    return _kept(app, "stopping", asyncio.Event)


def _kept(app: Starlette, name: str, kind: type[S]) -> S:
    found = getattr(app.state, name, None)
    if not isinstance(found, kind):
        raise TypeError(f"app.state.{name} is not a {kind.__name__}: see create_app, set_state")
    return found
