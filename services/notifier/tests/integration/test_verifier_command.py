"""``notifier verifier`` builds the standalone verifier from the release's own files: the
bytes every site of that release serves, so anyone can check a site's copy against the
source, with no server and no setting."""

import base64
import hashlib
from pathlib import Path

import httpx
import pytest

from notifier import cli
from notifier.testing import serve


def test_the_command_writes_the_bytes_a_site_serves_and_their_sha256(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "periplus-verifier.html"
    assert cli.main(["verifier", "--out", str(out)]) == 0
    printed = capsys.readouterr().out.strip().splitlines()[-1]
    built = out.read_bytes()
    assert printed == hashlib.sha256(built).hexdigest()
    for site in serve(database_url):
        served = httpx.get(f"{site.url}/verifier.html")
        assert served.status_code == 200
        assert served.content == built
        digest = base64.b64encode(bytes.fromhex(printed)).decode()
        assert served.headers["repr-digest"] == f"sha-256=:{digest}:"
