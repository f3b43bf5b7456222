"""What the app keeps for its routes, typed: made once by ``main.build``.

Routes and dependencies read it through ``of``, never through ``app.state``'s
untyped attributes.
"""

from dataclasses import dataclass

from sqlalchemy import Engine
from starlette.applications import Starlette

from ledger.ingest.service import Ingestor
from ledger.log.signing import Keys
from ledger.log.writer_lock import Writer
from ledger.settings import Settings
from periplus.policy import Policy
from periplus.state import state_of


@dataclass(frozen=True)
class State:
    settings: Settings
    engine: Engine
    keys: Keys
    policy: Policy | None  # the witness policy a served checkpoint must meet, if any
    ingestor: Ingestor
    writer: Writer


def of(app: Starlette) -> State:
    return state_of(app, State)
