"""What every trip route shares: its problem answers, the trip's ETag, and one way to act.

Routes translate, call the service and answer; ``respond.write`` commits.
"""

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlmodel import Session

from periplus.openapi import problems
from trips_api import state
from trips_api.clock import today
from trips_api.deps import (
    Claim,
    IdempotencyKey,
    IfMatch,
    check_if_match,
    claim,
    sees_private,
    write_session,
)
from trips_api.keys.models import ApiKey
from trips_api.respond import Outcome, write
from trips_api.trips import disclosure
from trips_api.trips.models import Trip
from trips_api.trips.schemas.responses import TripView
from trips_api.trips.service import lifecycle, steps

_NO_KEY, _NO_TRIP = "No valid API key", "No such trip"
ERRORS = problems(
    {
        401: _NO_KEY,
        403: "The key lacks the scope, or the four-eyes rule forbids it",
        404: _NO_TRIP,
        409: "The trip is not in a state that allows this, or the Idempotency-Key was used "
        "for another request",
        412: "If-Match names an older version",
        422: "Invalid input, field by field",
    }
)
READ_ERRORS = problems({401: _NO_KEY, 404: _NO_TRIP, 429: "Anonymous reads are rate limited"})

TripId = Annotated[uuid.UUID, Path(description="The trip's id.")]
FollowupId = Annotated[str, Path(pattern=r"^f[0-9]{1,4}$", description="`f1`, `f2`...")]


def etag(trip: Trip, *, anonymous: bool = False) -> str:
    """The version a writer sends back in If-Match; to a reader without a key, the public
    version, spelt apart so that the two are never taken for each other."""
    return f'"public-{trip.public_version}"' if anonymous else f'"{trip.version}"'


def _reviewer(key: ApiKey | None) -> bool:
    return key is not None and bool(key.scope_set & {"trips:approve", "admin"})


def view_of(request: Request, trip: Trip, key: ApiKey | None) -> TripView:
    settings = state.of(request.app).settings
    return disclosure.view(
        trip,
        settings.reporting_currency,
        today(),
        private=sees_private(key),
        reviewer=_reviewer(key),
        anonymous=key is None,
    )


def answer(request: Request, session: Session, trip: Trip, key: ApiKey, code: int = 200) -> Outcome:
    # Private fields only to keys that may read them, in this answer as in any other.
    stepped = steps.stepped_view(session, trip)
    view = (
        view_of(request, trip, key)
        if stepped is None
        else disclosure.as_seen(stepped, trip, private=sees_private(key), reviewer=_reviewer(key))
    )
    location = f"/v1/trips/{trip.id}" if code == 201 else None
    return Outcome(code, view, etag(trip), location)


def load(session: Session, trip_id: uuid.UUID, if_match: str | None) -> Trip:
    trip = lifecycle.get(session, trip_id, for_update=True)
    check_if_match(if_match, etag(trip))
    return trip


class Act:
    """One change to one trip, as its route receives it: open a session, admit the key, lock
    the trip, check If-Match, take the step and answer, once per Idempotency-Key, all in the
    route's one trip to the thread pool. Routes declare only what is their own."""

    session: Session  # the change's own, open while it is made
    key: ApiKey  # admitted when the change is made, before anything else

    def __init__(
        self,
        request: Request,
        claim: Claim,
        trip_id: uuid.UUID,
        if_match: str | None,
        idem: str | None,
    ) -> None:
        self.request, self.claim = request, claim
        self.trip_id, self.if_match, self.idem = trip_id, if_match, idem
        self.settings = state.of(request.app).settings

    def __call__(self, body: BaseModel | None, step: Callable[[Trip], Trip]) -> Response:
        with write_session(self.request) as session:
            self.session = session
            key = self.key = self.claim.admit(session, self.trip_id)  # the trip read with it

            def run() -> Outcome:
                trip = load(session, self.trip_id, self.if_match)
                return answer(self.request, session, step(trip), key)

            return write(self.request, session, key, self.idem, body, run)


def _acting(scope: str) -> Callable[..., Awaitable[Act]]:
    """The dependency of a POST that changes a trip: retried safely with an Idempotency-Key.
    Async, as it does no I/O: a plain function would cost the request a trip to the thread
    pool."""

    async def act(
        request: Request,
        trip_id: TripId,
        claimed: Annotated[Claim, Depends(claim(scope))],
        idem: IdempotencyKey = None,
        if_match: IfMatch = None,
    ) -> Act:
        return Act(request, claimed, trip_id, if_match, idem)

    return act


def _patching(scope: str) -> Callable[..., Awaitable[Act]]:
    """The dependency of a PATCH: idempotent by nature, so it takes no Idempotency-Key."""

    async def act(
        request: Request,
        trip_id: TripId,
        claimed: Annotated[Claim, Depends(claim(scope))],
        if_match: IfMatch = None,
    ) -> Act:
        return Act(request, claimed, trip_id, if_match, None)

    return act


WriterAct = Annotated[Act, Depends(_acting("trips:write"))]
ApproverAct = Annotated[Act, Depends(_acting("trips:approve"))]
ReporterAct = Annotated[Act, Depends(_acting("trips:report"))]
WriterPatch = Annotated[Act, Depends(_patching("trips:write"))]
ReporterPatch = Annotated[Act, Depends(_patching("trips:report"))]
