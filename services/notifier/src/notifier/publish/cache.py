"""Public answers kept per read-model version: a news spike reads, it does not recompute.

Every public page, feed, digest, card and download is a function of the read
model, the reader's language and the day. Its answer is kept, keyed by the
request (path, query, the Accept-Language it was negotiated from) and
validated by the read model's version (the newest entry folded, the newest
notice, the verified size of the log, the day), read with three indexed
lookups: while
nothing new is folded, the same request gets the same bytes from memory, with
an ``ETag`` that a conditional GET answers with 304. The first entry folded
after it makes every kept answer stale, so no reader ever sees one older than
the model.
"""

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, func
from sqlmodel import col, select
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from notifier.channels import repository as channels_repository
from notifier.ingest.models import VerifiedTree
from notifier.publish.models import TripView
from periplus import db

# The public paths whose answers depend on the read model alone; the API under
# /v1 (subscriptions, quarantine, the live stream) and operations are not kept.
PUBLIC = ("/", "/trips/", "/feed.", "/feeds/", "/digest", "/data/", "/years/", "/checklist")
MAX_ANSWERS = 2_000
MAX_BYTES = 8 * 1024 * 1024  # an answer larger than this is not kept


Version = tuple[object, ...]


def version(engine: Engine) -> Version:
    """What every public answer depends on, read without waiting for writers."""
    with db.reading(engine) as connection:
        newest = connection.execute(select(func.max(col(TripView.last_index)))).scalar()
        notice = channels_repository.newest_position(connection)
        verified = connection.execute(select(col(VerifiedTree.size))).scalar()
    return (newest, notice, verified)


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
