"""The witness application: add-checkpoint, the monitoring path, evidence, operations."""

import logging
from pathlib import Path

from fastapi import FastAPI

from periplus import db
from periplus.state import set_state
from periplus.web import create_app, lifespan
from witness import routes
from witness.keys import load_cosigner, read_logs
from witness.service import Witness
from witness.settings import Settings, get_settings
from witness.state import State

MIGRATIONS = Path(__file__).parent / "migrations"
log = logging.getLogger(__name__)

DESCRIPTION = """\
An independent witness of transparency logs (c2sp.org/tlog-witness). It cosigns
a log's checkpoint only when a consistency proof shows that it extends the last
one it cosigned, so a log cannot show different histories to different readers
without a witness refusing. Cosignatures follow c2sp.org/tlog-cosignature
(Ed25519).
"""


def build(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = db.make_engine(settings.database_url, settings.database_limits())
    logs = read_logs(settings.logs)
    witness = Witness(engine, load_cosigner(settings), logs, settings.evidence_per_log)

    def prepare() -> None:
        if not logs:
            log.warning("no trusted log: set WITNESS_LOGS to a file of log vkeys")

    app = create_app(
        service="witness",
        title="Periplus witness",
        description=DESCRIPTION,
        settings=settings,
        engine=engine,
        lifespan=lifespan(engine, MIGRATIONS, prepare=prepare),
    )
    set_state(app, State(settings, engine, witness))
    app.include_router(routes.router)
    return app
