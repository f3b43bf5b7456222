"""Keep a few child processes running, as ``make run`` does for the broker and the services.

Each child runs in a process group of its own, so that stopping it stops what
it started too. A child that exits is started again after a delay that doubles
with each quick exit in a row (``first_delay`` up to ``max_delay``) and starts
over once the child has stayed up ``stable_after`` seconds. A child that cannot
start the first time, or keeps exiting quickly, stops everything with the
reason on the console rather than loop unseen. SIGINT, SIGTERM, SIGHUP (its
terminal closed) or SIGQUIT stops every child, the last started first. On Linux
a child also gets SIGTERM when the supervisor dies without stopping it (SIGKILL):
being in a session of its own, nothing else would reach it.
"""

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> Callable[[], None] | None:
    """What a child runs before its command so that the kernel sends it SIGTERM when the
    supervisor's thread that started it ends (Linux); None elsewhere.

    libc is loaded here, before any fork: the child only makes the call. A supervisor that
    died between the fork and the call is not its parent any more, so the child leaves.
    """
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    parent = os.getpid()

    def preexec() -> None:
        if prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0 or os.getppid() != parent:
            os._exit(1)

    return preexec


def _say(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} run: {message}", file=sys.stderr, flush=True)


def exit_status(code: int) -> str:
    """How a process ended, as an operator reads it."""
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"was killed by {signal.Signals(-code).name}"
        return f"was killed by signal {-code}"
    return f"exited with code {code}"


@dataclass
class Child:
    """A command to keep running; ``ready`` says whether it serves yet (its port answers).

    ``first``: the children after it start only once it is ready, the first time.
    """

    name: str
    command: Sequence[str]
    ready: Callable[[], bool] = lambda: True
    first: bool = False
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    started: float = 0.0
    quick_exits: int = 0
    restart_at: float | None = None
    answering: bool = False

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid


class GaveUpError(Exception):
    """A child could not be kept running; the message says which and why."""


class Supervisor:
    """Starts ``children`` in order and keeps them up."""

    def __init__(
        self,
        children: Sequence[Child],
        env: Mapping[str, str] | None = None,
        *,
        first_delay: float = 1.0,
        max_delay: float = 30.0,
        stable_after: float = 60.0,
        give_up_after: int = 5,
        start_timeout: float = 60.0,
        stop_timeout: float = 10.0,
        say: Callable[[str], None] = _say,
    ) -> None:
        self.children, self.env = list(children), env
        self.first_delay, self.max_delay = first_delay, max_delay
        self.stable_after, self.give_up_after = stable_after, give_up_after
        self.start_timeout, self.stop_timeout = start_timeout, stop_timeout
        self.say = say
        self.stopping = False

    def run(self, on_ready: Callable[[], None] = lambda: None, poll: float = 0.2) -> int:
        """Run until a signal (0) or a child that cannot be kept running (1)."""
        previous = {s: signal.signal(s, self._signalled) for s in STOP_SIGNALS}
        try:
            for child in self.children:
                self._start(child)
                if child.first and not self._wait_ready(child):
                    return 0
            if not all(self._wait_ready(child) for child in self.children):
                return 0
            on_ready()
            while not self.stopping:
                self.check()
                time.sleep(poll)
            return 0
        except GaveUpError as exc:
            self.say(f"{exc}; stopping everything")
            return 1
        finally:
            # A second Ctrl-C (or the one uv forwards) must not cut the shutdown short.
            for signum in previous:
                signal.signal(signum, signal.SIG_IGN)
            self.stop()
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _signalled(self, _signum: int, _frame: object) -> None:
        self.stopping = True

    def check(self) -> None:
        """Notice children that exited or came back, and start those whose delay is over."""
        now = time.monotonic()
        for child in self.children:
            if child.restart_at is not None:
                if now >= child.restart_at:
                    self._start(child, again=True)
                continue
            assert child.process is not None
            code = child.process.poll()
            if code is None:
                if not child.answering and child.ready():
                    child.answering = True
                    self.say(f"{child.name} answers again")
                continue
            self._exited(child, code, now)

    def _exited(self, child: Child, code: int, now: float) -> None:
        _kill_group(child, signal.SIGKILL)  # whatever it started goes with it
        up = now - child.started
        child.quick_exits = child.quick_exits + 1 if up < self.stable_after else 1
        if child.quick_exits >= self.give_up_after:
            raise GaveUpError(
                f"{child.name} (pid {child.pid}) {exit_status(code)}, {child.quick_exits} times"
                f" in a row within {self.stable_after:g} s of starting; giving up"
            )
        delay = min(self.max_delay, self.first_delay * 2 ** (child.quick_exits - 1))
        child.restart_at = now + delay
        self.say(
            f"{child.name} (pid {child.pid}) {exit_status(code)} after {up:.0f} s;"
            f" starting it again in {delay:g} s"
        )

    def _start(self, child: Child, again: bool = False) -> None:
        env = None if self.env is None else dict(self.env)
        try:
            child.process = subprocess.Popen(
                child.command, env=env, start_new_session=True, preexec_fn=_die_with_parent()
            )
        except OSError as exc:
            raise GaveUpError(f"{child.name} cannot be started: {exc}") from exc
        child.started, child.restart_at = time.monotonic(), None
        child.answering = not again  # the first start waits in _wait_ready instead
        self.say(f"{child.name} started{' again' if again else ''} (pid {child.pid})")

    def _wait_ready(self, child: Child) -> bool:
        """Whether ``child`` became ready (False: a signal came first)."""
        deadline = time.monotonic() + self.start_timeout
        assert child.process is not None
        while not child.ready():
            if self.stopping:
                return False
            code = child.process.poll()
            if code is not None:
                raise GaveUpError(
                    f"{child.name} {exit_status(code)} before it was ready (see above)"
                )
            if time.monotonic() > deadline:
                raise GaveUpError(f"{child.name} was not ready within {self.start_timeout:g} s")
            time.sleep(0.1)
        return True

    def stop(self) -> None:
        """SIGTERM to every child, the last started first; SIGKILL to any still up after
        ``stop_timeout`` seconds."""
        running = [
            c for c in reversed(self.children) if c.process is not None and c.process.poll() is None
        ]
        for child in running:
            _kill_group(child, signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        for child in running:
            assert child.process is not None
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.say(f"{child.name} did not stop within {self.stop_timeout:g} s; killing it")
                _kill_group(child, signal.SIGKILL)
                child.process.wait()
            _kill_group(child, signal.SIGKILL)  # what it started and left behind
        self.say("stopped")


def _kill_group(child: Child, signum: signal.Signals) -> None:
    if child.pid is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signum)
