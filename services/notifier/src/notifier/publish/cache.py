"""Public answers kept per read-model version: a news spike reads, it does not recompute.

Every public page, feed, digest, card and download is a function of the read
model, the reader's language and the day. Its answer is kept, keyed by the
request (path, query, the language negotiated from ``?lang=`` and
Accept-Language, as the pages do: any header that picks French is one key) and
validated by the read model's version (the newest entry folded, the newest
notice, the verified size of the log, the newest gap accepted, the day): while
nothing new is folded, the same request gets the same bytes from memory, with an ``ETag`` that a
conditional GET answers with 304. The first entry folded after it, by this
process or another on the same database, makes every kept answer stale, so no
reader ever sees one older than the model; the stale ones are dropped then.

What is kept is bounded in bytes, not only in answers: ``MAX_KEPT`` bytes of
bodies, headers and keys in all. Answers of one version with the same ``ETag``
(the same download asked with another query string, say) hold one copy of their
body, counted once, so a client that varies what the page does not read fills
little. An answer read again after it was kept moves to a part of its own, up to
``AGAIN`` of the budget; the least recently read of those read once go first, so
a flood of requests made once (junk query strings on pages) pushes out only
answers nobody asked for twice.

Only an answer made afresh costs work: each client may have ``renders`` of them
made (by address and by network, as ``periplus.ratelimit`` counts), while kept
answers, however many, cost it nothing. So a reader behind a busy network still
reads every page, and one who varies query strings to miss the cache gets a 429,
for kept answers too until it has renders again (a kept answer served to a client
refused a fresh one would tell it, free, which pages others have read).

The version is read on every request, so it costs one statement on a
connection of its own, outside any transaction; on SQLite not even that while
nothing at all was committed since the last read (``PRAGMA data_version``,
which every other connection's commit changes, in any process).

Each answer also carries a ``Last-Modified`` once one can be given that no newer
answer, from this process or any other on the database, can share or precede,
though HTTP dates count whole seconds. Every read of the version comes with two
times on the clock that orders the commits (the database server's on
PostgreSQL; on SQLite the host's, where every process sharing the file runs):
one no later than the read's snapshot and one no earlier. A version's date is
the first whole second after the end of the first read that saw it (and not
before its day began): it was committed by then. It is given only to a reader
whose read began at or after that second and still saw the version, and only
while the date falls on the version's day: then the next version was committed
later, so any process dates that one later. Until then (a second or two,
which is what two versions in one second need) there is no ``Last-Modified``,
and ``If-Modified-Since`` is not answered with 304. ``If-None-Match``, when
sent, decides alone (RFC 9110, 13.1.3).
"""

import contextlib
import functools
import hashlib
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from email.utils import formatdate, parsedate_to_datetime
from typing import Any

from sqlalchemy import Engine, event, func
from sqlalchemy import select as sa_select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import PoolProxiedConnection
from sqlmodel import col, select
from starlette.datastructures import Headers, QueryParams
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from notifier.channels.models import Notice
from notifier.i18n.locale import negotiate
from notifier.ingest.models import GapAccepted, VerifiedTree
from notifier.publish.models import TripView
from periplus import ratelimit
from periplus.ratelimit import RateLimiter

# The public paths whose answers depend on the read model alone; the API under
# /v1 (subscriptions, quarantine, the live stream) and operations are not kept.
PUBLIC = (
    "/",
    "/trips/",
    "/feed.",
    "/feeds/",
    "/digest",
    "/data/",
    "/years/",
    "/checklist",
    "/map",
    "/emissions",
    "/notices",
)
MAX_ANSWERS = 2_000
MAX_KEPT = 64 * 1024 * 1024
"""Bytes kept in all: each body once, and each answer's headers and key."""
AGAIN = 0.75  # the share of MAX_ANSWERS and MAX_KEPT that answers read again may hold
MAX_BYTES = 8 * 1024 * 1024  # an answer larger than this is not kept
RENDERS = "pages made afresh for this address or network"


Version = tuple[object, ...]
Key = tuple[str, bytes, str]  # path, query string, the language negotiated


@dataclass(frozen=True)
class Reading:
    """A version and when it was read: ``before`` no later than the read's snapshot and
    ``after`` no earlier, in seconds since the epoch on the clock that orders the commits."""

    version: Version
    before: float
    after: float


def _statement(clock: bool) -> Any:
    """What every public answer depends on, in one statement of indexed lookups; with
    ``clock``, the server's time as the statement began and as it ran (after its snapshot)."""
    newest = (col(Notice.ledger_index).desc(), col(Notice.sub).desc())
    times = (func.now(), func.clock_timestamp()) if clock else ()
    return sa_select(  # five columns and more: sqlmodel's select types four at most
        select(func.max(col(TripView.last_index))).scalar_subquery(),
        select(col(Notice.ledger_index)).order_by(*newest).limit(1).scalar_subquery(),
        select(col(Notice.sub)).order_by(*newest).limit(1).scalar_subquery(),
        select(col(VerifiedTree.size)).limit(1).scalar_subquery(),
        # Entries a gap held are folded behind the newest when it is accepted (a few rows).
        select(func.max(col(GapAccepted.decided_at))).scalar_subquery(),
        *times,
    )


class Versions:
    """The read model's version, read on a connection kept for it alone (no pool
    checkout, no transaction); closed with the engine's pool and opened again when
    needed. A connection that fails is replaced once before the error is raised."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sqlite = engine.dialect.name == "sqlite"
        literal = {"literal_binds": True}  # no parameters: the same text on every driver
        statement = _statement(clock=not self._sqlite)
        self._sql = str(statement.compile(dialect=engine.dialect, compile_kwargs=literal))
        self._lock = threading.Lock()
        self._connection: PoolProxiedConnection | None = None
        self._seen: object = None  # SQLite's data_version when ``_version`` was read
        self._version: Version = ()
        event.listen(engine, "engine_disposed", lambda _engine: self.close())

    def __call__(self) -> Reading:
        with self._lock:
            try:
                return self._read()
            except self.engine.dialect.loaded_dbapi.Error:
                self._close()
            try:
                return self._read()
            except self.engine.dialect.loaded_dbapi.Error as exc:
                self._close()
                raise DBAPIError.instance(
                    self._sql, None, exc, self.engine.dialect.loaded_dbapi.Error
                ) from exc

    def close(self) -> None:
        with self._lock:
            self._close()

    def _read(self) -> Reading:
        connection = self._connection or self._connect()
        cursor = connection.cursor()
        before = time.time()
        try:
            seen = None
            if self._sqlite:  # the same row while no other connection committed
                cursor.execute("PRAGMA data_version")
                seen = cursor.fetchone()
                if seen == self._seen:
                    return Reading(self._version, before, time.time())
            cursor.execute(self._sql)
            row = cursor.fetchone()
        finally:
            cursor.close()
        assert row is not None  # a SELECT without FROM has one row
        newest, index, sub, verified, accepted, *clock = row
        self._seen, self._version = seen, (newest, (index, sub), verified, accepted)
        if clock:  # the database's own clock: the one its commits are made on
            began, ran = clock
            return Reading(self._version, began.timestamp(), ran.timestamp())
        return Reading(self._version, before, time.time())

    def _connect(self) -> PoolProxiedConnection:
        connection = self.engine.raw_connection()
        connection.detach()  # its own: closed for good, never handed to another user
        connection.rollback()  # whatever the pool's ping began
        if not self._sqlite:  # SQLite's connections commit each statement already
            connection.dbapi_connection.autocommit = True  # type: ignore[union-attr]
        self._connection, self._seen = connection, None
        return connection

    def _close(self) -> None:
        connection, self._connection, self._seen = self._connection, None, None
        if connection is not None:
            with contextlib.suppress(self.engine.dialect.loaded_dbapi.Error):  # gone already
                connection.close()


@dataclass(frozen=True)
class Answer:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: bytes


def _cost(key: Key, answer: Answer) -> int:
    """The bytes an answer holds besides its body (which answers may share)."""
    return len(key[0]) + len(key[1]) + sum(len(k) + len(v) for k, v in answer.headers)


_negotiate = functools.lru_cache(maxsize=1024)(negotiate)  # a few headers are most readers'


def _public(path: str) -> bool:
    return path == "/" or any(path.startswith(p) for p in PUBLIC[1:])


def _midnight(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()


class PageCache:
    """ASGI middleware; ``version`` reads the read model's version (a cheap query)."""

    def __init__(
        self, app: ASGIApp, version: Callable[[], Reading], renders: RateLimiter | None = None
    ) -> None:
        self.app, self.version, self.renders = app, version, renders
        # Read once since kept, and read again: each the least recently read first.
        self._answers: OrderedDict[Key, Answer] = OrderedDict()
        self._again: OrderedDict[Key, Answer] = OrderedDict()
        self._again_bytes = 0  # each of ``_again``'s bodies counted whole
        self._bodies: dict[bytes, tuple[bytes, int]] = {}  # ETag: (body, answers holding it)
        self._kept = 0  # bytes, as ``MAX_KEPT`` counts them
        self._current: Version = ()  # the version every kept answer has
        self._lock = threading.Lock()
        self._dated: tuple[Version, int] = ((), 0)  # the newest version seen, and its date

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not _public(scope["path"]):
            await self.app(scope, receive, send)
            return
        request = Headers(scope=scope)
        query = scope["query_string"]
        asked = QueryParams(query).get("lang") if query else None
        lang = _negotiate(asked, request.get("accept-language"))
        key: Key = (scope["path"], query, lang)
        reading = self.version()
        day = datetime.now(UTC).date()
        version = (*reading.version, day)
        with self._lock:
            modified = self._modified(version, day, reading)
            if version != self._current:  # what is kept is stale: let it go
                self._answers.clear()
                self._again.clear()
                self._bodies.clear()
                self._kept, self._again_bytes, self._current = 0, 0, version
            kept = self._read_again(key)
        if not await self._within_renders(kept is None, scope, receive, send):
            return
        if kept is not None:
            await _replay(kept, request, send, modified)
            return
        await self._answer_and_keep(scope, receive, send, key, version, request, modified)

    async def _within_renders(
        self, fresh: bool, scope: Scope, receive: Receive, send: Send
    ) -> bool:
        """Spend a render for an answer made afresh; else answer 429 and return False. A
        client with no renders left gets no kept answer either: else it could ask, free
        and as often as it liked, which pages others have read."""
        if self.renders is None:
            return True
        peer = scope.get("client")
        if not fresh and not self.renders.exhausted(peer[0] if peer else "unknown"):
            return True
        return await ratelimit.spend(self.renders, RENDERS, scope, receive, send)

    def _modified(self, version: Version, day: date, reading: Reading) -> int | None:
        """The version's ``Last-Modified``, in seconds since the epoch, if it can be given
        yet (see the module's docstring); under the lock."""
        if self._dated[0] != version:
            since = max(math.floor(reading.after) + 1, int(_midnight(day)))
            self._dated = version, since
        since = self._dated[1]
        sure = since <= reading.before and since < _midnight(day + timedelta(days=1))
        return since if sure else None  # never after now: ``since <= reading.before``

    async def _answer_and_keep(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        key: Key,
        version: Version,
        request: Headers,
        modified: int | None,
    ) -> None:
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    body = b"".join(chunks)
                    await self._finish(start, body, key, version, request, modified, send)
                    return
            else:
                await send(message)

        await self.app(scope, receive, capture)

    async def _finish(
        self,
        start: Message,
        body: bytes,
        key: Key,
        version: Version,
        request: Headers,
        modified: int | None,
        send: Send,
    ) -> None:
        headers = list(start.get("headers", []))
        status = int(start["status"])
        if status != 200 or len(body) > MAX_BYTES:
            await send(start)
            await send({"type": "http.response.body", "body": body})
            return
        etag = dict(headers).get(b"etag")
        if etag is None:
            etag = b'"' + hashlib.blake2b(body, digest_size=12).hexdigest().encode() + b'"'
            headers.append((b"etag", etag))
        answer = Answer(status, headers, body, etag)
        with self._lock:
            if version == self._current:  # not one a newer version made stale already
                self._keep(key, answer)
        await _replay(answer, request, send, modified)

    def _read_again(self, key: Key) -> Answer | None:
        """The answer kept for ``key``, now the most recently read again; under the lock.
        Past ``AGAIN``, the least recently read again go back among those read once."""
        kept = self._again.get(key)
        if kept is not None:
            self._again.move_to_end(key)
            return kept
        kept = self._answers.pop(key, None)
        if kept is None:
            return None
        self._again[key] = kept
        self._again_bytes += _cost(key, kept) + len(kept.body)
        while len(self._again) > 1 and (
            len(self._again) > AGAIN * MAX_ANSWERS or self._again_bytes > AGAIN * MAX_KEPT
        ):
            back, answer = self._again.popitem(last=False)
            self._again_bytes -= _cost(back, answer) + len(answer.body)
            self._answers[back] = answer
        return kept

    def _keep(self, key: Key, answer: Answer) -> None:
        """Keep ``answer``, its body shared with the kept answers of its ``ETag``, and let
        the least recently read go while there are too many or too many bytes; under the
        lock. Bytes that differ from those kept under the same ``ETag`` are not kept."""
        self._drop(key)  # one a concurrent request kept
        body, holders = self._bodies.get(answer.etag, (answer.body, 0))
        if holders and body != answer.body:
            return
        self._bodies[answer.etag] = (body, holders + 1)
        self._answers[key] = replace(answer, body=body)
        self._kept += _cost(key, answer) + (0 if holders else len(body))
        while len(self._answers) + len(self._again) > MAX_ANSWERS or self._kept > MAX_KEPT:
            self._drop(next(iter(self._answers or self._again)))

    def _drop(self, key: Key) -> None:
        """Let the answer kept for ``key`` go, and its body with the last to hold it."""
        answer = self._answers.pop(key, None)
        if answer is None:
            answer = self._again.pop(key, None)
            if answer is None:
                return
            self._again_bytes -= _cost(key, answer) + len(answer.body)
        self._kept -= _cost(key, answer)
        body, holders = self._bodies.pop(answer.etag)
        if holders > 1:
            self._bodies[answer.etag] = (body, holders - 1)
        else:
            self._kept -= len(body)


def _not_modified_since(request: Headers, modified: int | None) -> bool:
    """RFC 9110, 13.1.3: only without ``If-None-Match``; a date that does not parse is
    ignored."""
    asked = request.get("if-modified-since")
    if modified is None or asked is None or "if-none-match" in request:
        return False
    try:
        held = parsedate_to_datetime(asked)
    except (TypeError, ValueError):
        return False
    return modified <= held.replace(tzinfo=held.tzinfo or UTC).timestamp()


async def _replay(answer: Answer, request: Headers, send: Send, modified: int | None) -> None:
    asked = {t.strip().encode() for t in request.get("if-none-match", "").split(",")}
    if answer.etag in asked or _not_modified_since(request, modified):
        kept = [(k, v) for k, v in answer.headers if k in (b"etag", b"cache-control", b"vary")]
        await send({"type": "http.response.start", "status": 304, "headers": kept})
        await send({"type": "http.response.body", "body": b""})
        return
    headers = answer.headers
    if modified is not None:
        headers = [*headers, (b"last-modified", formatdate(modified, usegmt=True).encode())]
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body})
