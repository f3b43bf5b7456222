"""Every command the READMEs print runs as printed: `./periplus` and `make` find uv."""

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted(ROOT.glob("services/*/README.md")), ROOT / "docs/auditing.md"]
PROGRAMS = {"trips-api", "ledger", "witness", "notifier", "python"}
TOOLS = {"pybabel", "pytest"}  # the translators' and the tests' own, run the same way


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
    assert {program for program, _ in printed()} <= PROGRAMS | TOOLS


@pytest.mark.parametrize("program", sorted(PROGRAMS - {"python"}))
def test_each_printed_command_exists_without_uv_on_the_path(program: str) -> None:
    """One run of the program's --help, with no uv on the PATH, lists every subcommand
    the documents print for it."""
    wanted = {command for name, command in printed() if name == program}
    env = {**os.environ, "PATH": "/usr/bin:/bin"}  # no ~/.local/bin
    answer = subprocess.run(
        [str(ROOT / "periplus"), program, "--help"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert answer.returncode == 0, answer.stderr[-2000:]
    [listed] = re.findall(r"\{([\w,-]+)\}", answer.stdout)[:1]
    assert wanted <= set(listed.split(",")), (wanted, listed)


def test_the_scripts_the_documents_run_exist() -> None:
    for name, script in printed():
        if name == "python" and script != "-m":
            assert (ROOT / script).exists(), script
