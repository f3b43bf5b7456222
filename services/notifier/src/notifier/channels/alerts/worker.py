"""The periodic alert check: one transaction per run, so an alert is raised once."""

from datetime import UTC, date, datetime

from sqlalchemy import Engine
from sqlmodel import Session

from notifier.channels.alerts import service


def check_now(engine: Engine, horizon_days: int, today: date | None = None) -> int:
    """Raise the alerts due ``today`` (UTC by default); return how many were raised."""
    with Session(engine) as session:
        raised = service.check(session, today or datetime.now(UTC).date(), horizon_days)
        session.commit()
    return len(raised)
