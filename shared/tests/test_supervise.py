"""The supervisor behind ``make run``, on real child processes."""

import os
import re
import signal
import subprocess
import sys
import threading
from functools import partial
from pathlib import Path

import pytest

from periplus.local import listening
from periplus.supervise import Child, Supervisor
from periplus.testing import eventually, free_port


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def delays(messages: list[str]) -> list[float]:
    return [float(d) for m in messages for d in re.findall(r"again in ([\d.]+) s", m)]


def test_a_child_that_keeps_failing_is_restarted_later_each_time_then_given_up() -> None:
    messages: list[str] = []
    child = Child("flaky", python("import sys, time; time.sleep(0.1); sys.exit(3)"))
    supervisor = Supervisor(
        [child], first_delay=0.05, max_delay=0.2, give_up_after=5, say=messages.append
    )
    assert supervisor.run() == 1
    assert delays(messages) == [0.05, 0.1, 0.2, 0.2]
    assert "flaky" in messages[1]
    assert "exited with code 3" in messages[1]
    assert "5 times in a row" in messages[-2]
    assert "giving up" in messages[-2]
    assert child.process is not None
    assert child.process.poll() == 3


def test_a_child_that_stayed_up_a_while_starts_its_count_over() -> None:
    messages: list[str] = []

    def say(message: str) -> None:
        messages.append(message)
        if len(delays(messages)) == 4:
            supervisor.stopping = True

    child = Child("steady", python("import sys, time; time.sleep(0.3); sys.exit(1)"))
    supervisor = Supervisor([child], first_delay=0.05, stable_after=0.2, give_up_after=2, say=say)
    assert supervisor.run() == 0
    assert delays(messages) == [0.05] * 4


def test_a_child_that_cannot_start_stops_the_run_at_once() -> None:
    messages: list[str] = []
    broken = Child("broken", python("import sys; sys.exit(2)"), ready=lambda: False, first=True)
    after = Child("after", python("import time; time.sleep(60)"))
    assert Supervisor([broken, after], say=messages.append).run() == 1
    assert any("broken exited with code 2 before it was ready" in m for m in messages)
    assert after.process is None  # nothing after it was started


def test_a_killed_child_comes_back_and_sigterm_stops_every_child() -> None:
    ports = [free_port(), free_port()]
    children = [
        Child(
            f"web{i}",
            [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
            partial(listening, port),
        )
        for i, port in enumerate(ports)
    ]
    messages: list[str] = []
    supervisor = Supervisor(children, first_delay=0.1, say=messages.append)
    first_pid: list[int | None] = []

    def drive() -> None:
        try:
            first_pid.append(children[1].pid)
            assert first_pid[0] is not None
            os.kill(first_pid[0], signal.SIGKILL)
            eventually(lambda: "web1 answers again" in messages)
            os.kill(os.getpid(), signal.SIGTERM)  # as an operator stops the run
        except BaseException:
            supervisor.stopping = True
            raise

    assert supervisor.run(on_ready=threading.Thread(target=drive).start) == 0
    assert any("web1" in m and "was killed by SIGKILL" in m for m in messages)
    assert children[1].pid != first_pid[0]
    assert all(c.process is not None and c.process.poll() is not None for c in children)
    assert not any(listening(port) for port in ports)
    assert messages[-1] == "stopped"


def test_a_command_that_cannot_run_is_named() -> None:
    messages: list[str] = []
    missing = Child("missing", ["/nonexistent/periplus-service", "serve"])
    assert Supervisor([missing], say=messages.append).run() == 1
    assert any(m.startswith("missing cannot be started:") for m in messages)


SUPERVISOR = """
import sys
from periplus.supervise import Child, Supervisor
children = [Child(f"c{i}", [sys.executable, "-c", "import time; time.sleep(120)"]) for i in (0, 1)]
ready = lambda: print(*(c.pid for c in children), flush=True)
sys.exit(Supervisor(children, say=lambda _m: None).run(ready))
"""


def gone(pid: int) -> bool:
    """Whether ``pid`` ended: no such process, or a zombie its new parent has yet to reap."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] == "Z"
    except FileNotFoundError:
        return True
    except OSError:  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False


def supervised() -> tuple[subprocess.Popen[str], list[int]]:
    """A supervisor in a process of its own, and the pids of its two children."""
    supervisor = subprocess.Popen(python(SUPERVISOR), stdout=subprocess.PIPE, text=True)
    assert supervisor.stdout is not None
    pids = [int(pid) for pid in supervisor.stdout.readline().split()]
    assert len(pids) == 2
    assert not any(gone(pid) for pid in pids)
    return supervisor, pids


@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGQUIT])
def test_a_closed_terminal_stops_every_child(signum: signal.Signals) -> None:
    """The children are in sessions of their own, so the hangup reaches the supervisor
    alone: it must stop them, not leave them running."""
    supervisor, pids = supervised()
    supervisor.send_signal(signum)
    assert supervisor.wait(timeout=20) == 0
    assert all(gone(pid) for pid in pids)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_children_end_with_a_supervisor_killed_outright() -> None:
    supervisor, pids = supervised()
    supervisor.kill()  # no handler runs: only the kernel can tell the children
    supervisor.wait(timeout=20)
    eventually(lambda: all(gone(pid) for pid in pids))
