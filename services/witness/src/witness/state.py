"""What the app keeps for its routes, typed: made once by ``main.build``."""

from dataclasses import dataclass

from sqlalchemy import Engine
from starlette.applications import Starlette

from periplus.state import state_of
from witness.service import Witness
from witness.settings import Settings


@dataclass(frozen=True)
class State:
    settings: Settings
    engine: Engine
    witness: Witness


def of(app: Starlette) -> State:
    return state_of(app, State)
