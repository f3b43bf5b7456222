"""Fold one entry's ``data`` into a trip's public state, following ``periplus.public``.

Data that does not validate against its model is still folded with what is
known (and the entry is marked), so one odd entry never stops ingestion and
the public still sees it.
"""

from typing import Any

from pydantic import ValidationError

from periplus.public import DATA_MODELS

MAX_FACET = 120

# The public status a trip has after an entry of each type (other types leave it).
STATUS_AFTER = {
    "trip.approved": "approved",
    "trip.cancelled": "cancelled",
    "trip.completed": "completed",
    "trip.reported": "reported",
    "trip.closed": "closed",
}


def validated(type_: str, data: Any) -> tuple[dict[str, Any], bool]:
    """The data as its model reads it, or the raw mapping and ``False``."""
    raw = data if isinstance(data, dict) else {}
    if type_ == "entry.withheld":
        return raw, True
    model = DATA_MODELS.get(type_)
    if model is None:
        return raw, False
    try:
        return model.model_validate(raw).model_dump(mode="json"), True
    except ValidationError:
        return raw, False


def _legacy_trip(data: dict[str, Any]) -> dict[str, Any]:
    """An older flat trip (``destination`` instead of an itinerary) in snapshot terms."""
    trip = dict(data)
    where = data.get("destination")
    if isinstance(where, dict) and "itinerary" not in trip:
        trip["itinerary"] = [
            {
                "country": where.get("country"),
                "city": where.get("city"),
                "arrive": data.get("departure_date"),
                "depart": data.get("return_date"),
            }
        ]
    return trip


def apply(
    state: dict[str, Any], index: int, type_: str, occurred_at: str, data: Any
) -> dict[str, Any]:
    """Return the new state (a fresh mapping) after one entry."""
    new = dict(state)
    body, valid = validated(type_, data)
    if not valid:
        new["unvalidated"] = [*state.get("unvalidated", []), index]
    if body.get("reference"):
        new["reference"] = body["reference"]
    if type_ == "trip.approved":
        trip = body.get("trip")
        new["trip"] = trip if isinstance(trip, dict) else _legacy_trip(body)
        new["approved_at"] = occurred_at
        new["approved_index"] = index
    elif type_ in ("trip.amended", "trip.corrected"):
        trip = body.get("trip")
        if isinstance(trip, dict):
            new["trip"] = trip
        new.pop("pending_change", None)
        _corrected_parts(new, body)
        changes = body.get("changes")
        new["amendments"] = [
            *state.get("amendments", []),
            {
                "index": index,
                "type": type_,
                "occurred_at": occurred_at,
                "changes": changes if isinstance(changes, list) else [],
                "reason": str(body.get("reason") or ""),
            },
        ]
    elif type_ == "trip.change_pending":
        new["pending_change"] = {
            "kind": str(body.get("kind") or ""),
            "fields": [str(f) for f in body.get("fields") or [] if isinstance(f, str)],
            "reason": str(body.get("reason") or ""),
            "occurred_at": occurred_at,
            "index": index,
        }
    elif type_ == "trip.change_rejected":
        new.pop("pending_change", None)
        new["rejected_changes"] = [
            *state.get("rejected_changes", []),
            {
                "index": index,
                "occurred_at": occurred_at,
                "fields": [str(f) for f in body.get("fields") or [] if isinstance(f, str)],
                "reason": str(body.get("reason") or ""),
            },
        ]
    elif type_ == "trip.cancelled":
        new.pop("pending_change", None)  # a cancelled trip has no change waiting
        new["cancelled"] = {"reason": str(body.get("reason") or ""), "occurred_at": occurred_at}
    elif type_ == "trip.completed":
        new["completed"] = _completed(body)
    elif type_ == "trip.reported":
        report = body.get("report")
        new["report"] = report if isinstance(report, dict) else None
        new["reported_at"] = occurred_at
        new["followups"] = _mappings(body.get("followups"))
    elif type_ == "followup.updated":
        followup = body.get("followup")
        if isinstance(followup, dict):
            current = list(state.get("followups", []))
            ids = [f.get("id") for f in current]
            if followup.get("id") in ids:
                current[ids.index(followup.get("id"))] = followup
            else:
                current.append(followup)
            new["followups"] = current
    elif type_ == "trip.closed":
        new["closed_at"] = occurred_at
    elif type_ == "entry.withheld":
        held = {k: body.get(k) for k in ("index", "reason", "legal_basis")}
        new["withheld"] = [*state.get("withheld", []), {**held, "notice_index": index}]
    return new


def _corrected_parts(state: dict[str, Any], body: dict[str, Any]) -> None:
    """What a correction of the trip's aftermath carries: the actual costs, the report or
    every follow-up as they now stand. The status stays what it was."""
    completed = body.get("completed")
    if isinstance(completed, dict):
        state["completed"] = _completed(completed)
    report = body.get("report")
    if isinstance(report, dict):
        state["report"] = report
    if isinstance(body.get("followups"), list):
        state["followups"] = _mappings(body["followups"])


def _completed(data: dict[str, Any]) -> dict[str, Any]:
    """The actual costs as a completion (or a correction of it) states them."""
    return {k: data.get(k) for k in ("actual_costs", "actual_total", "city_share")}


def _mappings(value: Any) -> list[dict[str, Any]]:
    """The objects of a list, or none if it is no list."""
    return [f for f in value if isinstance(f, dict)] if isinstance(value, list) else []


def _text(value: Any) -> str:
    return str(value).strip()[:MAX_FACET]


def facets(state: dict[str, Any]) -> set[tuple[str, str]]:
    """The ways to find a trip: department, SDG goal, country, traveller, year."""
    trip = state.get("trip") or {}
    found: set[tuple[str, str]] = set()
    for department in trip.get("departments") or []:
        found.add(("department", _text(department)))
    if trip.get("lead_department"):
        found.add(("department", _text(trip["lead_department"])))
    for goal in trip.get("sdg_goals") or []:
        found.add(("sdg", _text(goal)))
    for leg in trip.get("itinerary") or []:
        if isinstance(leg, dict) and leg.get("country"):
            found.add(("country", _text(leg["country"]).upper()))
    for person in trip.get("travellers") or []:
        if isinstance(person, dict):
            who = person.get("name") or person.get("position")
            if who:
                found.add(("traveller", _text(who)))
    departure = str(trip.get("departure_date") or "")
    if len(departure) >= 4 and departure[:4].isdigit():
        found.add(("year", departure[:4]))
    return {f for f in found if f[1]}
