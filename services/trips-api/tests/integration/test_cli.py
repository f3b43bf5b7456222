"""The command line: a new key is printed alone on the last line, and it works."""

import base64
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlmodel import Session, select

from periplus import db
from periplus.events import EventRejectedError, parse_envelope
from periplus.sources import ROTATION, SourceKeys
from trips_api import cli
from trips_api.keys import service as keys_service
from trips_api.keys.models import ApiKey
from trips_api.settings import get_settings
from trips_api.testing import SOURCE_SEED, Api, make_settings, serve


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


def test_a_name_or_holder_the_api_would_refuse_is_refused_and_no_key_made(
    env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for option, value in (("--name", "n" * 101), ("--holder", "bad\x1bholder")):
        argv = ["keys", "create", "--name", "HR", "--scopes", "trips:write", option, value]
        assert cli.main(argv) == 2
        assert "--name or --holder" in capsys.readouterr().err
    engine = db.make_engine(env)
    with Session(engine) as session:
        assert session.exec(select(ApiKey)).all() == []
    engine.dispose()


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


def test_a_rotated_events_key_is_announced_by_the_old_key_and_followed_by_readers(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file = tmp_path / "trips-api.key"
    settings = make_settings(database_url, signing_key=None, signing_key_file=key_file)
    old = settings.signer.verifier  # made on first use, mode 0600
    assert key_file.stat().st_mode & 0o777 == 0o600
    monkeypatch.setenv("TRIPS_DATABASE_URL", database_url)
    monkeypatch.setenv("TRIPS_CITY_ID", "montevideo")
    monkeypatch.setenv("TRIPS_SIGNING_KEY_FILE", str(key_file))
    get_settings.cache_clear()
    try:
        with contextmanager(serve)(settings) as api:
            api.approved()
        assert cli.main(["rotate-events-key"]) == 0
        new = make_settings(database_url, signing_key=None, signing_key_file=key_file).signer
        assert new.verifier != old
        assert list(tmp_path.glob("trips-api.key.*.retired"))
        again = make_settings(database_url, signing_key=None, signing_key_file=key_file)
        with contextmanager(serve)(again, departments=False) as api:
            api.approved()
            events = api.events()
    finally:
        get_settings.cache_clear()
    assert [e["type"] for e in events] == ["trip.approved", "source.key_rotated", "trip.approved"]
    assert events[1]["data"] == {"key": str(new.verifier)}
    # A reader that pinned only the old key follows the rotation to the new one.
    readers = SourceKeys.configured({old.name: [str(old)]})
    for raw in events:
        envelope = parse_envelope(raw)
        if envelope.type == ROTATION:
            readers.follow(envelope)
        else:
            readers.check(envelope)
    by_old_key = parse_envelope({**events[2], "sig": events[0]["sig"]})
    with pytest.raises(EventRejectedError, match="retired after seq 2"):
        readers.check(by_old_key)


def test_a_key_names_its_holder_or_else_its_name_holds_it(
    env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["keys", "create", "--name", "HR batch", "--scopes", "trips:write"]
    assert cli.main([*args, "--holder", "Human  Resources"]) == 0
    held = capsys.readouterr().out.strip().splitlines()[-1]
    assert cli.main(args) == 0
    unnamed = capsys.readouterr().out.strip().splitlines()[-1]
    engine = db.make_engine(env)
    with Session(engine) as session:
        first, second = (keys_service.authenticate(session, k) for k in (held, unnamed))
        assert first is not None
        assert second is not None
        assert (first.holder, second.holder) == ("Human Resources", "HR batch")
        assert first.holder_id == "human resources"
    engine.dispose()


def test_serve_refuses_a_bad_department_registry_before_it_listens(
    env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    registry = tmp_path / "departments.json"
    registry.write_text('[{"code": "mobility"}]')
    monkeypatch.setenv("TRIPS_DEPARTMENTS_FILE", str(registry))
    get_settings.cache_clear()
    assert cli.main(["serve"]) == 2
    assert "entry 0.name" in capsys.readouterr().err


def test_an_events_key_from_the_environment_rotates_to_a_seed_from_the_environment(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """TRIPS_NEW_SIGNING_KEY keeps the new seed off the command line, where every user of the
    host could read it (ps) and the shell's history would keep it."""
    settings = make_settings(database_url)
    monkeypatch.setenv("TRIPS_DATABASE_URL", database_url)
    monkeypatch.setenv("TRIPS_CITY_ID", "montevideo")
    monkeypatch.setenv("TRIPS_SIGNING_KEY", SOURCE_SEED)
    get_settings.cache_clear()
    new_seed = base64.b64encode(bytes(range(100, 132))).decode()
    try:
        with contextmanager(serve)(settings) as api:
            api.approved()
        assert cli.main(["rotate-events-key"]) == 2
        assert "set TRIPS_NEW_SIGNING_KEY" in capsys.readouterr().err
        monkeypatch.setenv("TRIPS_NEW_SIGNING_KEY", new_seed)
        assert cli.main(["rotate-events-key"]) == 0
        with contextmanager(serve)(make_settings(database_url), departments=False) as api:
            events = api.events()
    finally:
        get_settings.cache_clear()
    new = make_settings(database_url, signing_key=new_seed).signer
    assert events[-1]["type"] == "source.key_rotated"
    assert events[-1]["data"] == {"key": str(new.verifier)}
