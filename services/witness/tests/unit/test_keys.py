"""The file of trusted log keys."""

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from periplus.note import Signer
from witness.keys import read_logs


def test_trusted_logs_are_read_by_origin_with_comments_and_blank_lines(tmp_path: Path) -> None:
    old = Signer("example.org/log", Ed25519PrivateKey.generate()).verifier
    new = Signer("example.org/log", Ed25519PrivateKey.generate()).verifier
    other = Signer("example.net/log", Ed25519PrivateKey.generate()).verifier
    path = tmp_path / "logs"
    path.write_text(f"# our logs\n\n{old}\n  {new}  \n# another\n{other}\n")
    assert read_logs(path) == {"example.org/log": [old, new], "example.net/log": [other]}


def test_no_file_means_no_trusted_log() -> None:
    assert read_logs(None) == {}


def test_a_bad_line_names_its_place(tmp_path: Path) -> None:
    path = tmp_path / "logs"
    path.write_text("# fine\nexample.org/log+00000000+AAAA\n")
    with pytest.raises(ValueError, match="logs, line 2"):
        read_logs(path)
