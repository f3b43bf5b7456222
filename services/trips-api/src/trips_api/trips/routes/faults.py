"""One 422 for a malformed body: the schema's faults and the registry's, all at once.

A body that fails its schema never reaches the service, which checks department
codes against the city's registry; a client would fix one list of faults only to
meet the next. The department codes of a trip's description and the owners of its
follow-ups are looked up here too, and every fault is answered together.

A body that cannot be read at all is no schema fault: one that is not JSON gets 400,
saying where it breaks, and one sent as another media type gets 415.
"""

import uuid
from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from periplus.errors import ProblemError
from periplus.problems import answer_to, location, problem, unreadable
from trips_api import state
from trips_api.departments import service as departments_service
from trips_api.deps import refusal
from trips_api.problems import error
from trips_api.trips import repository
from trips_api.trips.normalise import department_faults

# The routes, by name, whose body describes a trip (None: the body itself, else the part that
# does), and those whose body lists follow-ups.
DESCRIBED = {
    "create_trip": None,
    "edit_trip": None,
    "amend_trip": "changes",
    "correct_trip": "changes",
}
FOLLOWUPS = {"report_trip", "add_followups"}


def _refusal_or_faults(
    request: Request, body: Any
) -> tuple[ProblemError | None, list[dict[str, Any]]]:
    """The 401 or 403 that a write's key meets, which comes before any fault of its input
    (see ``deps.Claim``); else the registry's faults of the body."""
    with Session(state.of(request.app).engine) as session:
        refused = refusal(request, session)
        return refused, [] if refused is not None else _registry_faults(session, request, body)


def _registry_faults(session: Session, request: Request, body: Any) -> list[dict[str, Any]]:
    name = getattr(request.scope.get("route"), "name", "")
    if not isinstance(body, Mapping) or (name not in DESCRIBED and name not in FOLLOWUPS):
        return []
    if name in FOLLOWUPS:
        listed = body.get("followups")
        owners = [
            (f"body.followups[{n}].owner_department", str(f["owner_department"]))
            for n, f in enumerate(listed if isinstance(listed, list) else [])
            if isinstance(f, Mapping) and isinstance(f.get("owner_department"), str)
        ]
        bad = set(departments_service.unusable(session, [c for _, c in owners]))
        return [
            error(at, f"no active department has the code {code!r}", "unknown_department")
            for at, code in owners
            if code in bad
        ]
    part_name = DESCRIBED[name]
    part = body.get(part_name) if part_name else body
    if not isinstance(part, Mapping):
        return []
    already: frozenset[str] = frozenset()
    trip_id = request.path_params.get("trip_id")
    trip = repository.get(session, uuid.UUID(trip_id)) if _is_uuid(trip_id) else None
    if trip is not None:
        already = frozenset([trip.record["lead_department"], *trip.record["departments"]])
    where = f"body.{part_name}" if part_name else "body"
    lead, others = part.get("lead_department"), part.get("departments")
    return department_faults(session, lead, others, where, already)


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


async def on_invalid_request(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    unread = unreadable(request, exc)
    if unread is not None:
        refused, _ = await run_in_threadpool(_refusal_or_faults, request, None)
        return answer_to(refused or unread, request.url.path)
    errors = [
        {"location": location(e["loc"]), "message": e["msg"], "type": e["type"]}
        for e in exc.errors()
    ]
    seen = {e["location"] for e in errors}
    refused, more = await run_in_threadpool(_refusal_or_faults, request, exc.body)
    if refused is not None:
        return answer_to(refused, request.url.path)
    return problem(
        422,
        "Invalid input",
        "The request does not match the schema or the city's rules; see errors.",
        errors=[*errors, *(e for e in more if e["location"] not in seen)],
        instance=request.url.path,
    )
