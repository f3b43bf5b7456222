"""A trip's description in its stored form: validated, departments checked, rates fixed,
and copied into the columns that listings filter on.

Errors carry the field-by-field account that problem responses give.
"""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from periplus import rules
from periplus.errors import InvalidError
from trips_api import money
from trips_api.clock import today
from trips_api.departments import service as departments_service
from trips_api.problems import error, validation_errors
from trips_api.settings import Settings
from trips_api.trips.models import Trip
from trips_api.trips.schemas.requests import TripFields, TripPatch


def rate_faults(
    settings: Settings, items: list[dict[str, Any]], money_field: str, where: str, day: date
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Each item with its rate into the reporting currency and its date; and the faults of
    those that have none, and of a list whose sum in the reporting currency is too large to
    state (``money.LARGEST_TOTAL``)."""
    out, errors = [], []
    whole = Decimal(0)
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
        given = item[money_field]
        value = {**given, "amount": money.spelled(given["amount"], currency)}
        rate = money.spelled_rate(rate)
        out.append(
            {**item, money_field: value, "exchange_rate": rate, "rate_date": when.isoformat()}
        )
        whole += Decimal(value["amount"]) * Decimal(rate)
    if whole > money.LARGEST_TOTAL:
        errors.append(
            error(
                where,
                f"the items add up to more than {money.LARGEST_TOTAL:,} "
                f"{settings.reporting_currency}, more than any trip costs",
                "total_too_large",
            )
        )
    return out, errors


def resolve_rates(
    settings: Settings, items: list[dict[str, Any]], money_field: str, where: str, day: date
) -> list[dict[str, Any]]:
    out, errors = rate_faults(settings, items, money_field, where, day)
    if errors:
        raise InvalidError(
            "Some amounts cannot be converted into the reporting currency.", errors=errors
        )
    return out


def department_faults(
    session: Session,
    lead: Any,
    others: Any,
    where: str,
    already: frozenset[str] = frozenset(),
) -> list[dict[str, Any]]:
    """Codes that name no active department, each where it was given. Departments
    ``already`` on the trip stay allowed even if since retired, so an old trip can still be
    corrected. Values that are not codes at all are left to their own faults."""
    given = [(f"{where}.lead_department", lead)] if isinstance(lead, str) else []
    listed = others if isinstance(others, list) else []
    given += [(f"{where}.departments[{n}]", c) for n, c in enumerate(listed) if isinstance(c, str)]
    bad = set(departments_service.unusable(session, [c for _, c in given])) - already
    return [
        error(at, f"no active department has the code {code!r}", "unknown_department")
        for at, code in given
        if code in bad
    ]


def distinct_departments(lead: str, others: list[str]) -> list[str]:
    """The other departments, each once, without the lead."""
    return [d for d in dict.fromkeys(others) if d != lead]


def normalise(
    session: Session,
    settings: Settings,
    fields: TripFields,
    where: str,
    already: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """The stored form of a trip's description: departments checked, rates fixed; every
    fault found is in one answer."""
    record = fields.model_dump(mode="json")
    errors = department_faults(session, fields.lead_department, fields.departments, where, already)
    record["departments"] = distinct_departments(fields.lead_department, fields.departments)
    record["budget"], budget = rate_faults(
        settings, record["budget"], "amount", f"{where}.budget", today()
    )
    record["in_kind"], in_kind = rate_faults(
        settings, record["in_kind"], "estimated_value", f"{where}.in_kind", today()
    )
    if errors or budget or in_kind:
        detail = "Departments must come from the city's registry, and amounts must convert."
        raise InvalidError(detail, errors=[*errors, *budget, *in_kind])
    return record


def merge(
    session: Session, settings: Settings, trip: Trip, patch: TripPatch, where: str
) -> dict[str, Any]:
    given = patch.given()
    already = frozenset([trip.record["lead_department"], *trip.record["departments"]])
    try:
        fields = TripFields.model_validate({**trip.record, **given})
    except ValidationError as exc:
        errors = validation_errors(exc, where)
        errors += department_faults(
            session, given.get("lead_department"), given.get("departments"), where, already
        )
        raise InvalidError("The trip would not be valid.", errors=errors) from exc
    return normalise(session, settings, fields, where, already)


def index(trip: Trip) -> None:
    """Copy what listings filter on out of the record. A column that holds its value already
    is left alone: setting one costs SQLModel's and SQLAlchemy's bookkeeping, and approval
    indexes a trip whose record has not changed."""
    r = trip.record
    words = [trip.reference, r["title"], r["purpose"] or "", r["host_organisation"] or ""]
    words += r["networks"] + [leg["city"] for leg in r["itinerary"]]
    words += [o["text"] for o in r["expected_outcomes"]]
    values = {
        "title": r["title"],
        "category": r["category"],
        "lead_department": r["lead_department"],
        "departure_date": date.fromisoformat(r["departure_date"]) if r["departure_date"] else None,
        "return_date": date.fromisoformat(r["return_date"]) if r["return_date"] else None,
        "countries": ",".join(["", *sorted({leg["country"] for leg in r["itinerary"]}), ""]),
        "departments": ",".join(["", r["lead_department"], *r["departments"], ""]),
        "sdg_goals": ",".join(["", *map(str, r["sdg_goals"]), ""]),
        "sdg_targets": ",".join(["", *r["sdg_targets"], ""]),
        "search": "\n".join(words).lower(),
        "travellers_public": "\n".join(
            f"{rules.public_name(t) or ''} {t['position']}" for t in r["travellers"]
        ).lower(),
        "travellers_all": "\n".join(
            f"{t['name']} {t['position']}" for t in r["travellers"]
        ).lower(),
    }
    for name, value in values.items():
        if getattr(trip, name) != value:
            setattr(trip, name, value)


def set_report_due(settings: Settings, trip: Trip) -> None:
    assert trip.return_date is not None
    trip.report_due = trip.return_date + timedelta(days=settings.report_due_days)
