"""Every command the READMEs print runs as printed: `./periplus` and `make` find uv."""

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted(ROOT.glob("services/*/README.md")), ROOT / "docs/auditing.md"]
PROGRAMS = {"trips-api", "ledger", "witness", "notifier", "python"}


def printed() -> set[tuple[str, str]]:
    """Each program and subcommand the documents run through ``./periplus``."""
    found = set()
    for doc in DOCS:
        for program, command in re.findall(r"\./periplus ([\w-]+) ([\w-]+)", doc.read_text()):
            found.add((program, command))
    return found


def test_the_documents_use_the_wrapper_not_a_bare_uv() -> None:
    for doc in DOCS:
        bare = re.findall(r"^(?:\s*)uv run (?!--frozen pytest).*$", doc.read_text(), re.M)
        assert not bare, f"{doc.relative_to(ROOT)}: {bare}"
    assert {program for program, _ in printed()} <= PROGRAMS


@pytest.mark.parametrize("program_command", sorted(printed()), ids="-".join)
def test_each_printed_command_exists_without_uv_on_the_path(
    program_command: tuple[str, str],
) -> None:
    program, command = program_command
    if program == "python":
        assert (ROOT / command).exists() or command == "-m", command
        return
    env = {**os.environ, "PATH": "/usr/bin:/bin"}  # no ~/.local/bin
    answer = subprocess.run(
        [str(ROOT / "periplus"), program, command, "--help"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert answer.returncode == 0, answer.stderr[-2000:]
    assert "usage:" in answer.stdout
