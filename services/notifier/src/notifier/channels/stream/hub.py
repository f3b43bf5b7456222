"""One reader of the notice log per process, fanning new notices out to stream clients.

Clients never poll the database while live: the hub reads each new notice
once and offers it to every client's bounded queue. A client that falls too
far behind reads the log from its own position instead, so it loses nothing.
With no client the hub reads nothing at all (a news spike reads pages, not the
stream); the first to join moves it to the end of the log, before that client
reads what it missed, so what the client reads and what the hub offers meet.
Every read is a reader's (``db.reading``): on SQLite it never queues for the
write lock the ingestor and the webhook claims take.
When the server begins to stop, the hub ends every stream and takes no new
reader: the server waits for open responses before it stops, and a stream
would never end by itself.
"""

import asyncio
import contextlib
import logging
import threading
from dataclasses import dataclass

from prometheus_client import Gauge
from sqlalchemy import Engine
from sqlmodel import Session

from notifier.channels import notices, repository
from notifier.channels.filters import Filters
from notifier.channels.notices import Item, Position
from periplus import db, ratelimit
from periplus.errors import TooManyRequestsError, UnavailableError
from periplus.ratelimit import RateLimiter

log = logging.getLogger(__name__)

CLIENTS = Gauge("notifier_stream_clients", "Clients connected to the live stream")

PAGE = 500
REPLAY_FREE = 1000  # entries a resuming reader may be behind before its replay is a bulk read


@dataclass(eq=False)
class Client:
    filters: Filters
    queue: asyncio.Queue[Item | None]  # None: the stream ends
    address: str = ""  # the client's address as the app sees it (``ratelimit.client``)
    lagging: bool = False
    closed: bool = False
    offered: Position | None = None
    """The hub's position when it last offered this reader a page: every notice up to it
    that the reader's filters match is in its queue or was sent."""

    def offer(self, item: Item) -> None:
        if not self.filters.matches(item.type, item.trip_id, item.departments, item.sdg_goals):
            return
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            self.lagging = True

    def drain(self) -> None:
        while not self.queue.empty():
            self.queue.get_nowait()

    def close(self) -> None:
        """End the stream; a full queue is being read, and ``closed`` is seen after it."""
        self.closed = True
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(None)


class StreamHub:
    def __init__(
        self,
        engine: Engine,
        public_url: str,
        poll_interval: float,
        queue_size: int,
        max_clients: int,
        max_per_client: int,
        replays: RateLimiter | None = None,
    ) -> None:
        self.engine, self.public_url, self.replays = engine, public_url, replays
        self.poll_interval, self.queue_size = poll_interval, queue_size
        self.max_clients, self.max_per_client = max_clients, max_per_client
        self.clients: set[Client] = set()
        self._joining = threading.Lock()
        self.per_address: dict[str, int] = {}  # streams held per address or network
        self.head: Position | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._bell: asyncio.Event | None = None
        self.closing = False
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self, stopping: asyncio.Event) -> None:
        """Serve until stopped; end every stream as soon as ``stopping`` is set."""
        self._loop, self._bell = asyncio.get_running_loop(), asyncio.Event()
        self.head = await asyncio.to_thread(self.last)
        notices.listen(self.wake)
        self._tasks = [
            asyncio.create_task(self._run(), name="stream-hub"),
            asyncio.create_task(self._close_on(stopping), name="stream-hub-stopping"),
        ]

    async def stop(self) -> None:
        notices.unlisten(self.wake)
        self.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def close(self) -> None:
        """End every stream now and take no new reader."""
        self.closing = True
        for client in list(self.clients):
            client.close()

    async def _close_on(self, stopping: asyncio.Event) -> None:
        await stopping.wait()
        self.close()

    def wake(self) -> None:
        loop, bell = self._loop, self._bell
        if loop is not None and bell is not None and not loop.is_closed():
            loop.call_soon_threadsafe(bell.set)

    def admit_replay(self, address: str, after: Position) -> None:
        """A reader who resumes more than ``REPLAY_FREE`` entries back reads the log in
        bulk, so it spends one of the bulk reads of its address and network; resuming
        after a dropped connection costs nothing. Asked once the reader has joined, so the
        hub's head is where the log stands."""
        if self.replays is None:
            return
        newest = self.head
        if newest is None or newest[0] - after[0] <= REPLAY_FREE:
            return
        self.replays.check(address, "replays of the stream's history from this address or network")

    def join(self, filters: Filters, address: str) -> Client:
        """A new reader from ``address``, unless the server is stopping, the stream is full,
        or that address (or its network) holds as many streams as it may."""
        if self.closing:
            raise UnavailableError(
                "This server is stopping; connect again.",
                headers={"Retry-After": "1"},
            )
        if len(self.clients) >= self.max_clients:
            raise UnavailableError(
                "The live stream has as many readers as it serves; try again soon.",
                headers={"Retry-After": "30"},
            )
        holders = self._holders(address)
        for holder, most in holders:
            if self.per_address.get(holder, 0) >= most:
                whose = "address" if holder == address else f"network ({holder})"
                raise TooManyRequestsError(
                    f"Your {whose} holds {most} live streams already, the most one may; "
                    "close one, or filter one stream rather than opening several.",
                    retry_after=30,
                )
        client = Client(filters, asyncio.Queue(self.queue_size), address=address)
        # Readers join from the thread pool: two joining an idle hub at once must not move
        # the head past a notice the hub then never offers to the one that joined first.
        with self._joining:
            if not self.clients:  # idle until now: what the hub offers starts here
                self.head = self.last()
            self.clients.add(client)
        for holder, _most in holders:
            self.per_address[holder] = self.per_address.get(holder, 0) + 1
        CLIENTS.set(len(self.clients))
        return client

    def leave(self, client: Client) -> None:
        """Let a reader go; leaving twice (the response and its dependency both end) is once."""
        if client not in self.clients:
            return
        self.clients.discard(client)
        for holder, _most in self._holders(client.address):
            held = self.per_address.get(holder, 0) - 1
            if held > 0:
                self.per_address[holder] = held
            else:
                self.per_address.pop(holder, None)
        CLIENTS.set(len(self.clients))

    def _holders(self, address: str) -> list[tuple[str, int]]:
        """What a stream from ``address`` counts against, and how many streams each may
        hold: an IPv4 address (or a name) itself; an IPv6 address its /64, as cheap to
        change as an address is, and its /48, a site's, ``WIDE_FACTOR`` times as many."""
        ip = ratelimit.ip_address(address)
        if ip is None or ip.version == 4:
            return [(address, self.max_per_client)]
        return [
            (str(ratelimit.network(address, ratelimit.IPV6_NETWORK)), self.max_per_client),
            (
                str(ratelimit.network(address, ratelimit.IPV6_SITE)),
                ratelimit.WIDE_FACTOR * self.max_per_client,
            ),
        ]

    async def read(self, after: Position | None) -> list[Item]:
        return await asyncio.to_thread(self._read, after)

    def _read(self, after: Position | None) -> list[Item]:
        with db.reading(self.engine) as connection, Session(bind=connection) as session:
            return notices.read_after(session, after, PAGE, self.public_url)

    def last(self) -> Position | None:
        """The last notice committed."""
        with db.reading(self.engine) as connection, Session(bind=connection) as session:
            return repository.last_position(session)

    async def _run(self) -> None:
        assert self._bell is not None
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._bell.wait(), self.poll_interval)
            self._bell.clear()
            if not self.clients:  # ``join`` moves the head when one comes
                continue
            try:
                await self._pump()
            except Exception:
                log.exception("the stream hub cannot read notices; will retry")

    async def _pump(self) -> None:
        while True:
            items = await self.read(self.head)
            clients = list(self.clients)
            for item in items:
                for client in clients:
                    client.offer(item)
            if items:
                self.head = items[-1].position
                for client in clients:
                    client.offered = self.head
            if len(items) < PAGE:
                return
