"""The command line: a new key is printed alone on the last line, and it works."""

import re
from collections.abc import Iterator

import pytest
from sqlmodel import Session
from trips_api_support import Api

from periplus import db
from trips_api import cli
from trips_api.keys import service as keys_service
from trips_api.settings import get_settings


@pytest.fixture
def env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("TRIPS_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


def test_keys_create_prints_the_key_alone_on_its_last_line(
    env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["keys", "create", "--name", "HR", "--scopes", "trips:write,trips:report"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert re.fullmatch(r"pk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}", last)
    engine = db.make_engine(env)
    with Session(engine) as session:
        key = keys_service.authenticate(session, last)
        assert key is not None
        assert key.scope_set == {"trips:write", "trips:report"}
    engine.dispose()


def test_an_unknown_scope_is_refused(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["keys", "create", "--name", "X", "--scopes", "trips:everything"]) == 2
    assert "unknown scopes" in capsys.readouterr().err


def test_an_event_withheld_under_law_is_no_longer_served_to_anyone(
    api: Api, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    api.approved()
    [event] = api.events()
    monkeypatch.setenv("TRIPS_DATABASE_URL", str(api.app.state.settings.database_url))
    get_settings.cache_clear()
    command = ["withhold-event", "--seq", str(event["seq"]), "--notice-index", "7"]
    basis = ["--reason", "a protected name", "--legal-basis", "Law 18.331, art. 9"]
    try:
        assert cli.main([*command, *basis]) == 0
        assert cli.main([*command, *basis]) == 1
        assert "already withheld" in capsys.readouterr().err
        assert cli.main(["withhold-event", "--seq", "99", "--notice-index", "7", *basis]) == 1
    finally:
        get_settings.cache_clear()
    page = api.as_(None).get("/v1/events", params={"after": 0}).json()
    assert page["events"] == []
    assert page["withheld"] == [
        {
            "seq": event["seq"],
            "reason": "a protected name",
            "legal_basis": "Law 18.331, art. 9",
            "notice_index": 7,
        }
    ]
    assert page["last_seq"] == event["seq"]
    assert event["data"]["trip"]["title"] not in str(page)
