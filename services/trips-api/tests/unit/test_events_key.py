"""``trips-api events-key`` prints the key that signs; it makes one only with ``--create``."""

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from periplus import keyfile
from periplus.note import Signer
from trips_api import cli
from trips_api.settings import get_settings

SOURCE = "demo-city/trips-api"


@pytest.fixture
def caller(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A working directory with no var/, and the settings' defaults for the key."""
    monkeypatch.chdir(tmp_path)
    for name in ("PERIPLUS_HOME", "TRIPS_SIGNING_KEY", "TRIPS_SIGNING_KEY_FILE", "TRIPS_CITY_ID"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_a_missing_key_file_is_an_error_naming_its_absolute_path(
    caller: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["events-key"]) == 1
    said = capsys.readouterr()
    assert said.out == ""
    assert f"no events key at {caller / 'var' / 'trips-api.key'} " in said.err
    assert list(caller.iterdir()) == []


def test_create_makes_the_missing_key_once_and_says_where(
    caller: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["events-key", "--create"]) == 0
    said = capsys.readouterr()
    path = caller / "var" / "trips-api.key"
    assert f"Made a new events key at {path}." in said.err
    assert path.stat().st_mode & 0o777 == 0o600
    printed = said.out.splitlines()[-1]
    assert printed == str(Signer(SOURCE, keyfile.read(path)).verifier)
    get_settings.cache_clear()
    assert cli.main(["events-key", "--create"]) == 0
    said = capsys.readouterr()
    assert "Made" not in said.err
    assert said.out.splitlines()[-1] == printed


def test_the_key_file_set_is_the_one_printed(
    caller: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    key = Ed25519PrivateKey.generate()
    path = caller / "keys" / "events.pem"
    keyfile.write(path, key)
    monkeypatch.setenv("TRIPS_SIGNING_KEY_FILE", str(path))
    assert cli.main(["events-key"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == str(Signer(SOURCE, key).verifier)
    assert sorted(p.name for p in caller.iterdir()) == ["keys"]


def test_a_key_from_the_environment_needs_no_file(
    caller: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seed = bytes(range(32))
    monkeypatch.setenv("TRIPS_SIGNING_KEY", base64.b64encode(seed).decode())
    assert cli.main(["events-key"]) == 0
    expected = Signer(SOURCE, Ed25519PrivateKey.from_private_bytes(seed)).verifier
    assert capsys.readouterr().out.splitlines()[-1] == str(expected)
    assert list(caller.iterdir()) == []


def test_an_unreadable_key_file_is_an_error_not_a_new_key(
    caller: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = caller / "var" / "trips-api.key"
    path.parent.mkdir()
    path.write_text("not a key\n")
    path.chmod(0o600)
    assert cli.main(["events-key", "--create"]) == 1
    assert "holds no readable PEM key" in capsys.readouterr().err
    assert path.read_text() == "not a key\n"


def test_the_home_places_the_default_key_file(
    caller: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    home = caller / "home"
    key = Ed25519PrivateKey.generate()
    keyfile.write(home / "var" / "trips-api.key", key)
    monkeypatch.setenv("PERIPLUS_HOME", str(home))
    assert cli.main(["events-key"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == str(Signer(SOURCE, key).verifier)
    assert sorted(p.name for p in caller.iterdir()) == ["home"]
