"""The bare servers the notifier benchmarks measure against, run as helper processes
(``python -m benchmarks.notifier ROLE PORT``): a webhook receiver that counts what it is
sent, and an SSE server that sends one message to every reader."""

import asyncio
import json
from typing import Any


class Sink:
    """A bare ASGI receiver: counts what it is sent; ``GET`` answers the counts."""

    def __init__(self) -> None:
        self.count, self.bytes, self.ids = 0, 0, set[str]()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        size, more = 0, True
        while more:
            message = await receive()
            size += len(message.get("body", b""))
            more = message.get("more_body", False)
        if scope["method"] == "GET":
            counts = {"count": self.count, "bytes": self.bytes, "ids": len(self.ids)}
            await _answer(send, 200, json.dumps(counts).encode())
            return
        self.count, self.bytes = self.count + 1, self.bytes + size
        webhook_id = dict(scope["headers"]).get(b"webhook-id")
        if webhook_id:
            self.ids.add(webhook_id.decode())
        await _answer(send, 204, b"")


async def _lifespan(receive: Any, send: Any) -> None:
    while True:
        kind = (await receive())["type"].removeprefix("lifespan.")
        await send({"type": f"lifespan.{kind}.complete"})
        if kind == "shutdown":
            return


async def _answer(send: Any, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": []})
    await send({"type": "http.response.body", "body": body})


class BareStream:
    """The floor: an SSE server that sends one message to every reader on a ``POST``."""

    def __init__(self) -> None:
        self.fired: asyncio.Event | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if self.fired is None:
            self.fired = asyncio.Event()
        if scope["method"] == "POST":
            self.fired.set()
            await _answer(send, 204, b"")
            return
        headers = [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        hello = b": hi\nretry: 3000\n\n"
        await send({"type": "http.response.body", "body": hello, "more_body": True})
        await self.fired.wait()
        await send({"type": "http.response.body", "body": b'id: 0\ndata: {"n":0}\n\n'})
