"""Signing keys in files: made 0600, and a file others may read is said aloud."""

import logging
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from periplus import keyfile


def test_a_key_file_is_made_for_its_owner_alone(tmp_path: Path) -> None:
    path = tmp_path / "log.key"
    key = keyfile.load(None, path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert keyfile.read(path).private_bytes_raw() == key.private_bytes_raw()


def test_a_key_file_others_may_read_is_used_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "mounted.key"
    keyfile.write(path, Ed25519PrivateKey.generate())
    with caplog.at_level(logging.WARNING, logger="periplus.keyfile"):
        keyfile.read(path)
        assert caplog.records == []
        path.chmod(0o644)
        keyfile.read(path)
    [said] = caplog.records
    assert "readable by others" in said.getMessage()
