"""A trip's description as stored: validated, departments checked, rates fixed, indexed.

Errors carry the field-by-field account that problem responses give.
"""

from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from periplus import public
from periplus.errors import InvalidError, ProblemError
from trips_api import money
from trips_api.departments import service as departments_service
from trips_api.settings import Settings
from trips_api.trips.models import Trip
from trips_api.trips.schemas import TripFields, TripPatch


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return now().date()


def invalid(detail: str, errors: list[dict[str, Any]]) -> ProblemError:
    return InvalidError(detail, errors=errors)


def error(location: str, message: str, type_: str = "value_error") -> dict[str, Any]:
    return {"location": location, "message": message, "type": type_}


def validation_errors(exc: ValidationError, prefix: str) -> list[dict[str, Any]]:
    return [
        error(".".join([prefix, *map(str, e["loc"])]), e["msg"], e["type"]) for e in exc.errors()
    ]


def resolve_rates(
    settings: Settings, items: list[dict[str, Any]], money_field: str, where: str, day: date
) -> list[dict[str, Any]]:
    out, errors = [], []
    for n, item in enumerate(items):
        currency = item[money_field]["currency"]
        rate_date = date.fromisoformat(item["rate_date"]) if item.get("rate_date") else None
        try:
            rate, when = money.resolve_rate(
                settings, currency, item.get("exchange_rate"), rate_date, day
            )
        except money.NoRateError as exc:
            errors.append(error(f"{where}[{n}].exchange_rate", str(exc), "missing_rate"))
            continue
        out.append({**item, "exchange_rate": rate, "rate_date": when.isoformat()})
    if errors:
        raise invalid("Some amounts cannot be converted into the reporting currency.", errors)
    return out


def normalise(
    session: Session,
    settings: Settings,
    fields: TripFields,
    where: str,
    already: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """The stored form of a trip's description: departments checked, rates fixed.

    Departments ``already`` on the trip stay allowed even if since retired, so an
    old trip can still be corrected.
    """
    record = fields.model_dump(mode="json")
    errors = [
        error(f"{where}.lead_department", f"no active department has the code {code!r}")
        for code in departments_service.unusable(session, [fields.lead_department])
        if code not in already
    ] + [
        error(f"{where}.departments", f"no active department has the code {code!r}")
        for code in departments_service.unusable(session, fields.departments)
        if code not in already
    ]
    if errors:
        raise invalid("Departments must come from the city's registry.", errors)
    record["budget"] = resolve_rates(
        settings, record["budget"], "amount", f"{where}.budget", today()
    )
    record["in_kind"] = resolve_rates(
        settings, record["in_kind"], "estimated_value", f"{where}.in_kind", today()
    )
    return record


def merge(
    session: Session, settings: Settings, trip: Trip, patch: TripPatch, where: str
) -> dict[str, Any]:
    given = patch.given()
    try:
        fields = TripFields.model_validate({**trip.record, **given})
    except ValidationError as exc:
        raise invalid("The trip would not be valid.", validation_errors(exc, where)) from exc
    already = frozenset([trip.record["lead_department"], *trip.record["departments"]])
    return normalise(session, settings, fields, where, already)


def index(trip: Trip) -> None:
    """Copy what listings filter on out of the record."""
    r = trip.record
    trip.title, trip.category, trip.lead_department = (
        r["title"],
        r["category"],
        r["lead_department"],
    )
    trip.departure_date = date.fromisoformat(r["departure_date"]) if r["departure_date"] else None
    trip.return_date = date.fromisoformat(r["return_date"]) if r["return_date"] else None
    trip.countries = ",".join(["", *sorted({leg["country"] for leg in r["itinerary"]}), ""])
    trip.departments = ",".join(["", r["lead_department"], *r["departments"], ""])
    trip.sdg_goals = ",".join(["", *map(str, r["sdg_goals"]), ""])
    trip.sdg_targets = ",".join(["", *r["sdg_targets"], ""])
    words = [trip.reference, r["title"], r["purpose"] or "", r["host_organisation"] or ""]
    words += r["networks"] + [leg["city"] for leg in r["itinerary"]]
    words += [o["text"] for o in r["expected_outcomes"]]
    trip.search = "\n".join(words).lower()
    trip.travellers_public = "\n".join(
        f"{t['name'] if t['name_public'] else ''} {t['position']}" for t in r["travellers"]
    ).lower()
    trip.travellers_all = "\n".join(f"{t['name']} {t['position']}" for t in r["travellers"]).lower()


def set_report_due(settings: Settings, trip: Trip) -> None:
    assert trip.return_date is not None
    trip.report_due = trip.return_date + timedelta(days=settings.report_due_days)


def changes(before: dict[str, Any], after: dict[str, Any]) -> list[public.Change]:
    return [
        public.Change(field=name, before=before.get(name), after=after.get(name))
        for name in dict.fromkeys([*before, *after])
        if before.get(name) != after.get(name)
    ]
