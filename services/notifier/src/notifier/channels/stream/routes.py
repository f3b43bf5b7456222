"""``/v1/stream``: ledger entries and alerts as Server-Sent Events, resumable."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import StreamingResponse

from notifier import state
from notifier.channels.filters import NOTICE_TYPES, Filters
from notifier.channels.notices import Position, event_id, parse_event_id
from notifier.channels.stream.hub import PAGE, Client, StreamHub
from periplus import ratelimit
from periplus.errors import BadRequestError, InvalidError

router = APIRouter(tags=["live stream"])

RETRY_MS = 3000


def _filters(
    trip_id: list[uuid.UUID], department: list[str], sdg_goal: list[int], type_: list[str]
) -> Filters:
    if any(not 1 <= g <= 17 for g in sdg_goal):
        raise InvalidError("`sdg_goal` is a number from 1 to 17.")
    unknown = sorted(set(type_) - NOTICE_TYPES)
    if unknown:
        raise InvalidError(f"Unknown `type` {unknown}.")
    if any(len(d) > 200 for d in department):
        raise InvalidError("A `department` has at most 200 characters.")
    return Filters.of([str(t) for t in trip_id], department, sdg_goal, type_)


def _position(last_event_id: str | None) -> Position | None:
    if last_event_id is None or not last_event_id.strip():
        return None
    try:
        return parse_event_id(last_event_id)
    except ValueError as exc:
        raise BadRequestError(
            "`Last-Event-ID` is an id this stream sent, such as `42` or `42.1`."
        ) from exc


class Joined:
    """A joined client and where it resumes; leaves the hub when the response ends."""

    def __init__(self, hub: StreamHub, client: Client, after: Position | None) -> None:
        self.hub, self.client, self.after = hub, client, after


def _join(
    request: Request,
    last_event_id: Annotated[str | None, Header(max_length=40)] = None,
    after: Annotated[
        str | None,
        Query(max_length=40, description="Like `Last-Event-ID`, for clients that cannot set it."),
    ] = None,
    trip_id: Annotated[list[uuid.UUID] | None, Query(max_length=100)] = None,
    department: Annotated[list[str] | None, Query(max_length=50)] = None,
    sdg_goal: Annotated[list[int] | None, Query(max_length=17)] = None,
    type_: Annotated[list[str] | None, Query(alias="type", max_length=20)] = None,
) -> Iterator[Joined]:
    filters = _filters(trip_id or [], department or [], sdg_goal or [], type_ or [])
    position = _position(last_event_id if last_event_id is not None else after)
    hub, address = state.of(request.app).stream_hub, ratelimit.client(request)
    client = hub.join(filters, address)  # first: a reader turned away spends no replay
    try:
        if position is not None:
            hub.admit_replay(address, position)
        yield Joined(hub, client, position if position is not None else hub.last())
    finally:
        hub.leave(client)


HELLO = f": periplus live stream\nretry: {RETRY_MS}\n\n".encode()


def _resume_at(position: Position) -> bytes:
    """An id with no data: the reader's ``lastEventId`` moves past the notices its filters
    skipped, and no event fires (HTML, 9.2.6), so a filtered reader that reconnects asks
    for what it missed since, not for every notice since the last one it matched."""
    return f"id: {event_id(position)}\n\n".encode()


PING = b": ping\n\n"
PING_SECONDS = 15.0


@router.get(
    "/v1/stream",
    response_class=StreamingResponse,
    summary="Ledger entries and alerts as they happen (Server-Sent Events)",
    responses={
        200: {
            "description": "An endless `text/event-stream`",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        },
        400: {"description": "A `Last-Event-ID` this stream never sent"},
        429: {
            "description": "This address holds as many streams as one may, or has replayed "
            "the stream's history as often as one may"
        },
        503: {"description": "The stream has as many readers as it serves"},
    },
)
def stream(joined: Annotated[Joined, Depends(_join)]) -> StreamingResponse:
    """Each event's `id` is its ledger index (`42`), or for an alert the index after which
    it was raised and its number (`42.1`); its `event` is the type (`trip.approved`,
    `alert.report_overdue`...; `withheld` for an entry withheld under law, and an alert
    that rested on one) and its `data` the same JSON a webhook receives. Reconnect
    with `Last-Event-ID` (or `?after=`) to receive exactly what was missed; `-1` replays
    from the first entry, and without either the stream starts from now. A replay from more
    than a thousand entries back counts as an open-data request against the client's limit;
    a ping may carry an `id` with no data, the position a filtered reader has read up to, so
    that it resumes from there.
    Filters repeat: `trip_id`, `department`, `sdg_goal`, `type`."""
    return StreamingResponse(
        _events(joined),
        media_type="text/event-stream",
        headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
    )


async def _events(joined: Joined) -> AsyncIterator[bytes]:
    """The wire bytes of each event are made once by the hub and shared by every reader.

    The stream ends when the hub closes it (the server is stopping): the reader
    reconnects, to this server or another, with ``Last-Event-ID``.
    """
    hub, client, position = joined.hub, joined.client, joined.after
    told = position  # the id the reader would resume from
    try:
        yield HELLO
        while not client.closed:
            client.lagging = False
            client.drain()
            while not client.closed:
                items = await hub.read(position)
                for item in items:
                    position = item.position
                    if client.filters.matches(
                        item.type, item.trip_id, item.departments, item.sdg_goals
                    ):
                        told = position
                        yield item.wire
                if len(items) < PAGE:
                    break
            while not client.lagging and not client.closed:
                try:
                    live = await asyncio.wait_for(client.queue.get(), PING_SECONDS)
                except TimeoutError:
                    # Every notice up to ``offered`` was offered to this reader; if its queue
                    # is empty (an item can arrive as the wait times out), it has all it
                    # asked for up to there.
                    offered = client.offered
                    ahead = offered is not None and (position is None or offered > position)
                    if ahead and client.queue.empty():
                        position = offered
                    if position is not None and position != told:
                        told = position
                        yield PING + _resume_at(position)
                    else:
                        yield PING
                    continue
                if live is None:
                    return
                if position is not None and live.position <= position:
                    continue
                position = told = live.position
                yield live.wire
    finally:
        hub.leave(client)
