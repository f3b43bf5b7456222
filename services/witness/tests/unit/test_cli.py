"""The command line: ``witness key`` prints the vkey alone on its last line."""

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from periplus.cosignature import Cosigner, CosignerKey
from witness import cli
from witness.settings import get_settings


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    key_file = tmp_path / "keys" / "witness.key"
    monkeypatch.setenv("WITNESS_NAME", "witness.example.org/periplus")
    monkeypatch.setenv("WITNESS_KEY_FILE", str(key_file))
    monkeypatch.delenv("WITNESS_KEY", raising=False)
    get_settings.cache_clear()
    yield key_file
    get_settings.cache_clear()


def _last_line(capsys: pytest.CaptureFixture[str]) -> str:
    lines: list[str] = capsys.readouterr().out.strip().splitlines()
    return lines[-1]


def test_key_makes_a_private_key_file_once_and_prints_its_vkey(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["key"]) == 0
    vkey = _last_line(capsys)
    key = CosignerKey.parse(vkey)
    assert key.name == "witness.example.org/periplus"
    assert base64.b64decode(vkey.split("+", 2)[2])[0] == 0x04
    assert env.stat().st_mode & 0o777 == 0o600
    assert cli.main(["key"]) == 0
    assert _last_line(capsys) == vkey


def test_key_from_the_environment_needs_no_file(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seed = bytes(range(32))
    monkeypatch.setenv("WITNESS_KEY", base64.b64encode(seed).decode())
    get_settings.cache_clear()
    assert cli.main(["key"]) == 0
    expected = Cosigner("witness.example.org/periplus", Ed25519PrivateKey.from_private_bytes(seed))
    assert _last_line(capsys) == str(expected.key)
    assert not env.exists()
