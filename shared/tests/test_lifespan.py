"""The life of a service: migrate, prepare, start its workers; stop them in reverse."""

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import pytest
from fastapi import FastAPI

from periplus import db
from periplus.web import lifespan


class Recorded:
    """A worker that notes each start and stop in ``log``; async if asked."""

    def __init__(self, name: str, log: list[str], *, fails: bool = False) -> None:
        self.name, self.log, self.fails = name, log, fails

    def start(self) -> None:
        if self.fails:
            raise RuntimeError(f"{self.name} cannot start")
        self.log.append(f"start {self.name}")

    def stop(self) -> None:
        self.log.append(f"stop {self.name}")


class AsyncRecorded:
    """The same, with async ``start`` and ``stop`` (as the notifier's channels have)."""

    def __init__(self, name: str, log: list[str]) -> None:
        self.worker = Recorded(name, log)

    async def start(self) -> None:
        self.worker.start()

    async def stop(self) -> None:
        self.worker.stop()


@pytest.fixture
def migrations(tmp_path: Path) -> Path:
    """An Alembic script directory with no revisions: the upgrade itself is what runs."""
    (tmp_path / "versions").mkdir()
    (tmp_path / "env.py").write_text(
        "from sqlalchemy import MetaData\nfrom periplus.migrations import run\nrun(MetaData())\n"
    )
    return tmp_path


async def _live(life: Callable[[FastAPI], AbstractAsyncContextManager[None]]) -> None:
    async with life(FastAPI()):
        pass


def test_workers_start_in_order_and_stop_in_reverse_then_closers_run(
    database_url: str, migrations: Path
) -> None:
    log: list[str] = []
    life = lifespan(
        db.make_engine(database_url),
        migrations,
        prepare=lambda: log.append("prepare"),
        workers=[AsyncRecorded("channels", log), Recorded("consumer", log)],
        close=[lambda: log.append("close http"), lambda: log.append("close other")],
    )
    asyncio.run(_live(life))
    assert log == [
        "prepare",
        "start channels",
        "start consumer",
        "stop consumer",
        "stop channels",
        "close http",
        "close other",
    ]


def test_a_failed_start_stops_what_had_started(database_url: str, migrations: Path) -> None:
    log: list[str] = []
    workers = [Recorded("relay", log), Recorded("consumer", log, fails=True)]
    close = [lambda: log.append("close")]
    life = lifespan(db.make_engine(database_url), migrations, workers=workers, close=close)
    with pytest.raises(RuntimeError, match="consumer cannot start"):
        asyncio.run(_live(life))
    assert log == ["start relay", "stop relay", "close"]
