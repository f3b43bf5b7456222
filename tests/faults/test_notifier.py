"""The notifier dies with webhooks in flight, and stops with live-stream readers connected.

A webhook claimed by a process that dies is sent again, under the same
``webhook-id``, once the claim has run out (the attempt's deadline and a
margin); a receiver that is down gets its entries once it is back, oldest
first. A stopping notifier ends its streams so that readers reconnect, with
``Last-Event-ID``, and miss nothing.
"""

import signal
import threading
import time

import httpx
import pytest

from periplus.testing import eventually
from tests.e2e.system import SOURCE
from tests.faults.figures import record
from tests.faults.invariants import check, settle
from tests.faults.stack import Stack

pytestmark = pytest.mark.e2e

LOAD = 40


def test_notifier_sigkilled_with_webhooks_in_flight_and_the_receiver_down_then_back(
    stack: Stack, fault_db: str
) -> None:
    """SIGKILL of the notifier while a slow receiver has attempts open, then the receiver
    fails every attempt for a while: once it is back, every webhook id is accepted, none
    was ever sent twice at once, and the notifier is caught up."""
    receiver, system = stack.receiver, stack.system
    receiver.delay = 0.3  # attempts stay open long enough to be cut
    with stack.load(LOAD) as load:
        load.wait_for(LOAD // 3)
        eventually(lambda: receiver._open.total() > 0, timeout=30)  # an attempt is in flight
        system.kill("notifier")
        receiver.mode = "fail"  # the receiver goes down while the notifier is
        system.start("notifier")
        eventually(lambda: any(r.answered == 503 for r in receiver.all()), timeout=60)
        receiver.mode, receiver.delay = "ok", 0.0
        started = time.monotonic()
    recovery = settle(stack, started)
    record(
        "notifier SIGKILLed with webhooks in flight; receiver down, then back",
        fault_db,
        check(stack),
        recovery,
    )


class StreamReader(threading.Thread):
    """A live-stream client that reconnects with ``Last-Event-ID`` whenever its stream
    ends, as a browser's EventSource does; ``ids`` are the ledger indexes it was sent."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.ids: list[int] = []
        self.ended = 0  # streams the server ended
        self.connected = threading.Event()
        self._halt = threading.Event()
        self.start()

    def run(self) -> None:
        while not self._halt.is_set():
            last = str(self.ids[-1]) if self.ids else "-1"
            try:
                with httpx.stream(
                    "GET",
                    f"{self.url}/v1/stream",
                    headers={"Last-Event-ID": last},
                    timeout=httpx.Timeout(5, read=None),
                ) as response:
                    if response.status_code != 200:
                        raise httpx.HTTPError(f"status {response.status_code}")
                    self.connected.set()
                    self._read(response)
                self.ended += 1
            except httpx.HTTPError:
                self._halt.wait(0.2)  # the notifier is away; try again, as EventSource does

    def _read(self, response: httpx.Response) -> None:
        for line in response.iter_lines():
            if self._halt.is_set():
                return
            if line.startswith("id:") and "." not in line:  # an entry, not an alert
                self.ids.append(int(line.removeprefix("id:").strip()))

    def stop(self) -> None:
        self._halt.set()


def test_sigterm_with_live_stream_readers_connected_ends_their_streams_and_they_miss_nothing(
    stack: Stack, fault_db: str
) -> None:
    """SIGTERM of the notifier while three readers are connected: the process ends (the
    streams do not hold it), each reader reconnects with ``Last-Event-ID`` once it is
    back, and each has every entry once, in order: what a reader that never left has."""
    system = stack.system
    url = system.urls["notifier"]
    readers = [StreamReader(url) for _ in range(3)]
    try:
        for reader in readers:
            reader.connected.wait(30)
        process = system.processes.pop("notifier")
        process.send_signal(signal.SIGTERM)
        stopping = time.monotonic()
        # uvicorn raises the signal again once it has shut down, as the default handler would.
        assert process.wait(timeout=30) in (0, -signal.SIGTERM)
        stopped_in = time.monotonic() - stopping
        assert "Application shutdown complete" in system.log("notifier"), "a graceful stop"
        assert all(reader.ended >= 1 for reader in readers), "every stream was ended"
        stack.approve(5)  # while the notifier is away
        system.start("notifier")
        started = time.monotonic()
        recovery = settle(stack, started)
        outcome = check(stack)
        newest = max(e["index"] for e in stack.entries() if e["event"]["source"] == SOURCE)
        whole = StreamReader(url)
        try:
            eventually(lambda: newest in whole.ids, timeout=60)
            for reader in readers:  # a gap or a repeat would keep them apart for good
                eventually(lambda r=reader: r.ids == whole.ids, timeout=60)
            assert whole.ids == sorted(set(whole.ids))
        finally:
            whole.stop()
    finally:
        for reader in readers:
            reader.stop()
    record(
        f"SIGTERM with 3 SSE clients connected (stopped in {stopped_in:.1f} s)",
        fault_db,
        outcome,
        recovery,
    )
