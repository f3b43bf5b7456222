"""What each reader may see of a trip, built in one place per audience.

``view`` builds API responses (private fields only for keys allowed to see
them), ``snapshot`` the public record that ``trip.approved``, ``trip.amended``
and ``trip.corrected`` carry (validated by the public contract models as it is
built, so a private field cannot slip in), and ``public_copy`` the public form
of a stored version for the history.
"""

import uuid
from datetime import date
from typing import Any

from periplus import public, rules
from trips_api import money
from trips_api.trips.models import Trip
from trips_api.trips.schemas.responses import (
    InKindView,
    PendingChangeView,
    TravellerView,
    TripView,
)


def _costs(currency: str, items: list[dict[str, Any]] | None) -> list[public.CostItem]:
    return [money.cost_item(currency, i) for i in items or []]


def _travellers(travellers: list[dict[str, Any]], private: bool) -> list[dict[str, Any]]:
    return [{**t, "name": rules.public_name(t, private=private)} for t in travellers]


def pending_view(trip: Trip, *, private: bool, reviewer: bool) -> PendingChangeView | None:
    """What the trip shows of its pending change: to the public, the fields whose public
    record would change (none: no pending change shown); the values only to reviewers."""
    pending = trip.pending
    if pending is None:
        return None
    shown = pending.get("public_fields", pending["fields"])
    if not (reviewer or private or shown):
        return None
    changes = None
    if reviewer or private:
        before: dict[str, Any]
        after: dict[str, Any]
        if "actual_costs" in pending:
            before = {"actual_costs": trip.actual_costs}
            after = {"actual_costs": pending["actual_costs"]}
        else:
            before, after = dict(trip.record), dict(pending["record"])
            before["travellers"] = _travellers(before["travellers"], private)
            after["travellers"] = _travellers(after["travellers"], private)
        changes = [
            public.Change(field=f, before=before.get(f), after=after.get(f))
            for f in pending["fields"]
        ]
    return PendingChangeView(
        kind=pending["kind"],
        fields=pending["fields"] if reviewer or private else shown,
        public_fields=shown if private else None,
        reason=pending["reason"],
        proposed_at=pending["at"],
        proposed_by=pending["key_id"] if private else None,
        changes=changes,
    )


def _traveller_views(travellers: list[dict[str, Any]], private: bool) -> list[TravellerView]:
    return [
        TravellerView(
            name=rules.public_name(t, private=private),
            position=t["position"],
            elected=t["elected"],
            name_public=t["name_public"],
        )
        for t in travellers
    ]


def _in_kind_views(currency: str, items: list[dict[str, Any]]) -> list[InKindView]:
    return [
        InKindView(
            giver=i["giver"],
            description=i["description"],
            estimated_value=public.Money(**i["estimated_value"]),
            reporting=money.in_kind(currency, i).estimated_value,
            exchange_rate=i["exchange_rate"],
            rate_date=i["rate_date"],
        )
        for i in items
    ]


def view(
    trip: Trip,
    currency: str,
    today: date,
    *,
    private: bool,
    reviewer: bool = False,
    anonymous: bool = False,
) -> TripView:
    """The trip as a reader sees it: private fields only if ``private``; the values of a
    pending change only to a ``reviewer`` (a key that may approve it) or a private reader;
    to an ``anonymous`` reader, the public version and the time of the last public step."""
    r = trip.record
    budget = _costs(currency, r["budget"])
    actual = _costs(currency, trip.actual_costs) if trip.actual_costs is not None else None
    travellers = _traveller_views(r["travellers"], private)
    return TripView(
        id=uuid.UUID(trip.id),
        reference=trip.reference,
        status=trip.status,
        version=trip.public_version if anonymous else trip.version,
        title=r["title"],
        purpose=r["purpose"],
        category=r["category"],
        host_organisation=r["host_organisation"],
        networks=r["networks"],
        departure_date=r["departure_date"],
        return_date=r["return_date"],
        itinerary=[public.Leg(**leg) for leg in r["itinerary"]],
        travellers=travellers,
        delegation_size=r["delegation_size"] or len(travellers),
        lead_department=r["lead_department"],
        departments=r["departments"],
        sdg_goals=r["sdg_goals"],
        sdg_targets=r["sdg_targets"],
        agenda=[public.AgendaItem(**a) for a in r["agenda"]],
        expected_outcomes=[public.Outcome(**o) for o in r["expected_outcomes"]],
        budget=budget,
        budget_total=money.total(budget, currency),
        city_share=money.total(budget, currency, payer="city"),
        in_kind=_in_kind_views(currency, r["in_kind"]),
        urgency_justification=trip.urgency_justification,
        approved_on=trip.approved_on,
        days_notice=trip.days_notice,
        report_due=trip.report_due,
        report_overdue=rules.report_overdue(trip.status, trip.report_due, today),
        actual_costs=actual,
        actual_total=money.total(actual, currency) if actual is not None else None,
        actual_city_share=money.total(actual, currency, payer="city")
        if actual is not None
        else None,
        report=public.Report(**trip.report) if trip.report else None,
        followups=[public.Followup(**f) for f in trip.followups],
        cancel_reason=trip.cancel_reason,
        pending_change=pending_view(trip, private=private, reviewer=reviewer),
        private_notes=r["private_notes"] if private else None,
        created_at=trip.created_at,
        updated_at=(trip.public_updated_at or trip.updated_at) if anonymous else trip.updated_at,
        approved_at=trip.approved_at,
        created_by=trip.created_by if private else None,
        updated_by=trip.updated_by if private else None,
        approved_by=trip.approved_by if private else None,
    )


def as_seen(private_view: TripView, trip: Trip, *, private: bool, reviewer: bool) -> TripView:
    """``view(trip, ..., private=private, reviewer=reviewer)``, made from the private view of
    the trip as it stands: only what private readers alone see is made again."""
    if private:
        return private_view
    return private_view.model_copy(
        update={
            "travellers": _traveller_views(trip.record["travellers"], False),
            "pending_change": pending_view(trip, private=False, reviewer=reviewer),
            "private_notes": None,
            "created_by": None,
            "updated_by": None,
            "approved_by": None,
        }
    )


def snapshot(
    trip: Trip,
    currency: str,
    department_names: dict[str, str],
    record: dict[str, Any] | None = None,
) -> public.TripSnapshot:
    """The public record of an approved trip, as the contract defines it; with ``record``,
    as it would stand with that description."""
    r = trip.record if record is None else record
    assert trip.approved_on is not None
    assert trip.report_due is not None
    assert trip.days_notice is not None
    budget = _costs(currency, r["budget"])
    lead = r["lead_department"]
    return public.TripSnapshot(
        reference=trip.reference,
        title=r["title"],
        purpose=r["purpose"] or "",
        category=r["category"],
        host_organisation=r["host_organisation"],
        networks=r["networks"],
        itinerary=[public.Leg(**leg) for leg in r["itinerary"]],
        departure_date=r["departure_date"],
        return_date=r["return_date"],
        travellers=[
            public.Traveller(
                name=rules.public_name(t),
                position=t["position"],
                elected=t["elected"],
            )
            for t in r["travellers"]
        ],
        delegation_size=r["delegation_size"] or len(r["travellers"]),
        lead_department=department_names.get(lead, lead),
        departments=[department_names.get(d, d) for d in [lead, *r["departments"]]],
        sdg_goals=r["sdg_goals"],
        sdg_targets=r["sdg_targets"],
        agenda=[public.AgendaItem(**a) for a in r["agenda"]],
        expected_outcomes=[public.Outcome(**o) for o in r["expected_outcomes"]],
        budget=budget,
        budget_total=money.total(budget, currency),
        city_share=money.total(budget, currency, payer="city"),
        in_kind=[money.in_kind(currency, i) for i in r["in_kind"]],
        approved_on=trip.approved_on,
        days_notice=trip.days_notice,
        urgency_justification=trip.urgency_justification,
        report_due=trip.report_due,
    )


def public_copy(state: dict[str, Any], protected: frozenset[str] = frozenset()) -> dict[str, Any]:
    """A stored private view with every private field blanked, for public history.

    ``protected`` are names protected now: a name protected after it was published
    stops showing in every earlier version too.
    """
    copy = dict(state)
    copy["travellers"] = [
        {**t, "name": rules.public_name(t, protected=protected)} for t in state["travellers"]
    ]
    for field in ("private_notes", "created_by", "updated_by", "approved_by"):
        copy[field] = None
    pending = copy.get("pending_change")
    if pending is not None:
        shown = pending.get("public_fields")
        shown = pending["fields"] if shown is None else shown
        copy["pending_change"] = (
            {
                **pending,
                "fields": shown,
                "public_fields": None,
                "proposed_by": None,
                "changes": None,
            }
            if shown
            else None
        )
    return copy


def protected_names(trip: Trip) -> frozenset[str]:
    """The names the law protects on the trip as it stands (and as it would stand)."""
    records = [
        trip.record,
        *([trip.pending["record"]] if trip.pending and "record" in trip.pending else []),
    ]
    return rules.protected_names(t for r in records for t in r["travellers"])


def changes(before: dict[str, Any], after: dict[str, Any]) -> list[public.Change]:
    return [
        public.Change(field=name, before=before.get(name), after=after.get(name))
        for name in dict.fromkeys([*before, *after])
        if before.get(name) != after.get(name)
    ]
