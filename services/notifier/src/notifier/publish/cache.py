"""Public answers kept per read-model version: a news spike reads, it does not recompute.

Every public page, feed, digest, card and download is a function of the read
model, the reader's language and the day. Its answer is kept, keyed by the
request (path, query, the Accept-Language it was negotiated from) and
validated by the read model's version (the newest entry folded, the newest
notice, the verified size of the log, the day): while nothing new is folded,
the same request gets the same bytes from memory, with an ``ETag`` that a
conditional GET answers with 304. The first entry folded after it, by this
process or another on the same database, makes every kept answer stale, so no
reader ever sees one older than the model.

The version is read on every request, so it costs one statement on a
connection of its own, outside any transaction; on SQLite not even that while
nothing at all was committed since the last read (``PRAGMA data_version``,
which every other connection's commit changes, in any process).
"""

import contextlib
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, event, func
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import PoolProxiedConnection
from sqlmodel import col, select
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from notifier.channels.models import Notice
from notifier.ingest.models import VerifiedTree
from notifier.publish.models import TripView

# The public paths whose answers depend on the read model alone; the API under
# /v1 (subscriptions, quarantine, the live stream) and operations are not kept.
PUBLIC = ("/", "/trips/", "/feed.", "/feeds/", "/digest", "/data/", "/years/", "/checklist")
MAX_ANSWERS = 2_000
MAX_BYTES = 8 * 1024 * 1024  # an answer larger than this is not kept


Version = tuple[object, ...]


def _statement() -> Any:
    """What every public answer depends on, in one statement of indexed lookups."""
    newest = (col(Notice.ledger_index).desc(), col(Notice.sub).desc())
    return select(
        select(func.max(col(TripView.last_index))).scalar_subquery(),
        select(col(Notice.ledger_index)).order_by(*newest).limit(1).scalar_subquery(),
        select(col(Notice.sub)).order_by(*newest).limit(1).scalar_subquery(),
        select(col(VerifiedTree.size)).limit(1).scalar_subquery(),
    )


class Versions:
    """The read model's version, read on a connection kept for it alone (no pool
    checkout, no transaction); closed with the engine's pool and opened again when
    needed. A connection that fails is replaced once before the error is raised."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        literal = {"literal_binds": True}  # no parameters: the same text on every driver
        self._sql = str(_statement().compile(dialect=engine.dialect, compile_kwargs=literal))
        self._sqlite = engine.dialect.name == "sqlite"
        self._lock = threading.Lock()
        self._connection: PoolProxiedConnection | None = None
        self._seen: object = None  # SQLite's data_version when ``_version`` was read
        self._version: Version = ()
        event.listen(engine, "engine_disposed", lambda _engine: self.close())

    def __call__(self) -> Version:
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

    def _read(self) -> Version:
        connection = self._connection or self._connect()
        cursor = connection.cursor()
        try:
            seen = None
            if self._sqlite:  # the same row while no other connection committed
                cursor.execute("PRAGMA data_version")
                seen = cursor.fetchone()
                if seen == self._seen:
                    return self._version
            cursor.execute(self._sql)
            row = cursor.fetchone()
        finally:
            cursor.close()
        assert row is not None  # a SELECT without FROM has one row
        newest, index, sub, verified = row
        self._seen, self._version = seen, (newest, (index, sub), verified)
        return self._version

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
    version: Version
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: bytes


def _public(path: str) -> bool:
    return path == "/" or any(path.startswith(p) for p in PUBLIC[1:])


class PageCache:
    """ASGI middleware; ``version`` reads the read model's version (a cheap query)."""

    def __init__(self, app: ASGIApp, version: Callable[[], Version]) -> None:
        self.app, self.version = app, version
        self._answers: OrderedDict[tuple[str, bytes, bytes], Answer] = OrderedDict()
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not _public(scope["path"]):
            await self.app(scope, receive, send)
            return
        request = Headers(scope=scope)
        key = (scope["path"], scope["query_string"], request.get("accept-language", "").encode())
        version = (*self.version(), datetime.now(UTC).date())
        with self._lock:
            kept = self._answers.get(key)
            if kept is not None and kept.version == version:
                self._answers.move_to_end(key)
            else:
                kept = None
        if kept is not None:
            await _replay(kept, request, send)
            return
        await self._answer_and_keep(scope, receive, send, key, version, request)

    async def _answer_and_keep(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        key: tuple[str, bytes, bytes],
        version: Version,
        request: Headers,
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
                    await self._finish(start, b"".join(chunks), key, version, request, send)
                    return
            else:
                await send(message)

        await self.app(scope, receive, capture)

    async def _finish(
        self,
        start: Message,
        body: bytes,
        key: tuple[str, bytes, bytes],
        version: Version,
        request: Headers,
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
        answer = Answer(version, status, headers, body, etag)
        with self._lock:
            self._answers[key] = answer
            self._answers.move_to_end(key)
            while len(self._answers) > MAX_ANSWERS:
                self._answers.popitem(last=False)
        await _replay(answer, request, send)


async def _replay(answer: Answer, request: Headers, send: Send) -> None:
    asked = {t.strip().encode() for t in request.get("if-none-match", "").split(",")}
    if answer.etag in asked:
        kept = [(k, v) for k, v in answer.headers if k in (b"etag", b"cache-control", b"vary")]
        await send({"type": "http.response.start", "status": 304, "headers": kept})
        await send({"type": "http.response.body", "body": b""})
        return
    await _send(answer, send)


async def _send(answer: Answer, send: Send) -> None:
    await send({"type": "http.response.start", "status": answer.status, "headers": answer.headers})
    await send({"type": "http.response.body", "body": answer.body})
