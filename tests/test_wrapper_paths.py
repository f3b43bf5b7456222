"""`./periplus` run from any directory uses the repository's files, those `make run` uses.

Each command runs as a subprocess in a directory of the test's own, which must stay
empty. The repository's own var/ is only read: the commands that may make a file
get PERIPLUS_HOME, which the wrapper honours, pointing at a directory of the test's.
"""

import json
import os
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from periplus import keyfile
from periplus.cosignature import Cosigner
from periplus.note import Signer

ROOT = Path(__file__).resolve().parents[1]
WRAPPER = ROOT / "periplus"
PREFIXES = ("PERIPLUS_HOME", "TRIPS_", "LEDGER_", "NOTIFIER_", "WITNESS_")


def run(cwd: Path, *argv: str, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The wrapper, in ``cwd``, with no service setting of the caller's environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(PREFIXES)}
    if home is not None:
        env["PERIPLUS_HOME"] = str(home)
    return subprocess.run(
        [str(WRAPPER), *argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """The caller's working directory, anywhere but the repository."""
    path = tmp_path / "elsewhere"
    path.mkdir()
    return path


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A stand-in for the repository's root, holding its var/."""
    path = tmp_path / "home"
    path.mkdir()
    return path


def test_the_default_paths_are_the_repositorys_from_another_directory(elsewhere: Path) -> None:
    shown = run(
        elsewhere,
        "python",
        "-c",
        "import json\n"
        "from trips_api.settings import Settings as T\n"
        "from ledger.settings import Settings as L\n"
        "from notifier.settings import Settings as N\n"
        "from witness.settings import Settings as W\n"
        "t, l, n, w = T(), L(), N(), W()\n"
        "print(json.dumps([t.database_url, str(t.signing_key_file), l.database_url,\n"
        "    str(l.signing_key_file), str(l.signed_checkpoint_path), n.database_url,\n"
        "    w.database_url, str(w.key_file)]))",
    )
    assert shown.returncode == 0, shown.stderr
    var = ROOT / "var"
    assert json.loads(shown.stdout) == [
        f"sqlite:///{var}/trips.db",
        str(var / "trips-api.key"),
        f"sqlite:///{var}/ledger.db",
        str(var / "ledger.key"),
        str(var / "ledger.checkpoint"),
        f"sqlite:///{var}/notifier.db",
        f"sqlite:///{var}/witness.db",
        str(var / "witness.key"),
    ]
    assert list(elsewhere.iterdir()) == []


def test_events_key_from_another_directory_prints_the_repositorys_key(elsewhere: Path) -> None:
    """Only read here: where the repository has no key yet, the command says where it
    looked and makes none."""
    path = ROOT / "var" / "trips-api.key"
    existed = path.exists()
    shown = run(elsewhere, "trips-api", "events-key")
    if existed:
        assert shown.returncode == 0, shown.stderr
        expected = Signer("demo-city/trips-api", keyfile.read(path)).verifier
        assert shown.stdout.splitlines()[-1] == str(expected)
    else:
        assert shown.returncode == 1
        assert str(path) in shown.stderr
        assert not path.exists()
    assert list(elsewhere.iterdir()) == []


def test_events_key_prints_the_key_of_the_home_it_is_given(elsewhere: Path, home: Path) -> None:
    key = Ed25519PrivateKey.generate()
    keyfile.write(home / "var" / "trips-api.key", key)
    shown = run(elsewhere, "trips-api", "events-key", home=home)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[-1] == str(Signer("demo-city/trips-api", key).verifier)
    assert list(elsewhere.iterdir()) == []


def test_events_key_without_a_key_names_the_path_and_makes_none(
    elsewhere: Path, home: Path
) -> None:
    shown = run(elsewhere, "trips-api", "events-key", home=home)
    assert shown.returncode == 1
    assert shown.stdout == ""
    assert f"no events key at {home / 'var' / 'trips-api.key'}" in shown.stderr
    assert "--create" in shown.stderr
    assert list(home.iterdir()) == []
    assert list(elsewhere.iterdir()) == []


def test_events_key_create_makes_the_key_under_the_home_not_here(
    elsewhere: Path, home: Path
) -> None:
    made = run(elsewhere, "trips-api", "events-key", "--create", home=home)
    assert made.returncode == 0, made.stderr
    path = home / "var" / "trips-api.key"
    assert f"Made a new events key at {path}" in made.stderr
    assert path.stat().st_mode & 0o777 == 0o600
    printed = made.stdout.splitlines()[-1]
    assert printed == str(Signer("demo-city/trips-api", keyfile.read(path)).verifier)
    again = run(elsewhere, "trips-api", "events-key", home=home)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[-1] == printed
    assert "Made" not in again.stderr
    assert list(elsewhere.iterdir()) == []


def test_the_ledger_and_witness_keys_are_made_under_the_home_and_said_so(
    elsewhere: Path, home: Path
) -> None:
    ledger = run(elsewhere, "ledger", "key", home=home)
    assert ledger.returncode == 0, ledger.stderr
    path = home / "var" / "ledger.key"
    assert f"Made a new log key at {path}" in ledger.stderr
    expected = Signer("periplus.local/demo-city/ledger", keyfile.read(path)).verifier
    assert ledger.stdout.splitlines()[-1] == str(expected)
    witness = run(elsewhere, "witness", "key", home=home)
    assert witness.returncode == 0, witness.stderr
    path = home / "var" / "witness.key"
    assert f"Made a new witness key at {path}" in witness.stderr
    cosigner = Cosigner("periplus.local/witness", keyfile.read(path))
    assert witness.stdout.splitlines()[-1] == str(cosigner.key)
    assert list(elsewhere.iterdir()) == []


def test_a_command_on_the_database_uses_the_homes_sqlite_file(elsewhere: Path, home: Path) -> None:
    argv = ("trips-api", "keys", "create", "--name", "HR", "--scopes", "trips:write")
    shown = run(elsewhere, *argv, home=home)
    assert shown.returncode == 0, shown.stderr
    assert (home / "var" / "trips.db").exists()
    assert list(elsewhere.iterdir()) == []
