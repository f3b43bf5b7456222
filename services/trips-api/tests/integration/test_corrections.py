"""Corrections of what a trip came to, and pending changes the public is told of.

Rules at the service layer, on both databases; then a few answers over HTTP.
"""

from typing import Any

import pytest

from periplus.errors import ConflictError, ForbiddenError, InvalidError, NotFoundError
from periplus.public import DATA_MODELS
from trips_api.testing import Api, World
from trips_api.trips import disclosure, examples
from trips_api.trips.models import Trip
from trips_api.trips.schemas.reports import (
    FollowupCorrection,
    FollowupsAddition,
    FollowupUpdate,
    ReportBody,
    ReportCorrection,
)
from trips_api.trips.schemas.requests import (
    ApproveBody,
    CancelBody,
    ChangeBody,
    CompleteBody,
    CostsCorrection,
    RejectBody,
    TripFields,
)
from trips_api.trips.service import corrections, lifecycle, outcomes, revisions


def _approved(w: World, days_ahead: int = -10, **overrides: Any) -> Trip:
    s, st, k = w.session, w.settings, w.keys
    body = TripFields.model_validate({**examples.trip(days_ahead=days_ahead), **overrides})
    trip = lifecycle.create(s, st, body, k["writer"])
    lifecycle.submit(s, st, trip, k["writer"])
    why = ApproveBody(urgency_justification="Recorded after the fact.")
    return lifecycle.approve(s, st, trip, why, k["approver"])


def _completed(w: World) -> Trip:
    trip = _approved(w)
    body = CompleteBody.model_validate(examples.COMPLETE)
    return outcomes.complete(w.session, w.settings, trip, body, w.keys["reporter"])


def _reported(w: World) -> Trip:
    trip = _completed(w)
    body = ReportBody.model_validate(examples.REPORT)
    return outcomes.report(w.session, w.settings, trip, body, w.keys["reporter"])


def _costs(per_diem: str) -> CostsCorrection:
    body = {**examples.COSTS_CORRECTION}
    body["actual_costs"] = [
        {**c, "amount": {"amount": per_diem, "currency": "EUR"}}
        if c["category"] == "per_diem"
        else c
        for c in body["actual_costs"]
    ]
    return CostsCorrection.model_validate(body)


def _types(w: World) -> list[str]:
    return [e["type"] for e in w.events()]


def _kinds(w: World, trip: Trip) -> list[str]:
    history = lifecycle.history(w.session, trip, private=True)
    return [e.kind for e in history.entries]


# ---- actual costs: four eyes, as for the budget ----------------------------------------------


def test_a_correction_of_actual_costs_waits_for_another_holder(service: World) -> None:
    w = service
    trip = _completed(w)
    before = trip.actual_costs
    corrections.correct_costs(w.session, w.settings, trip, _costs("405.00"), w.keys["reporter"])
    assert trip.actual_costs == before  # the trip stands as completed until approval
    assert trip.pending is not None
    assert trip.pending["fields"] == ["actual_costs"]
    pending = w.events()[-1]
    assert pending["type"] == "trip.change_pending"
    assert pending["data"] == {
        "reference": trip.reference,
        "kind": "corrected",
        "fields": ["actual_costs"],
        "reason": examples.COSTS_CORRECTION["reason"],
    }

    with pytest.raises(ForbiddenError):  # four eyes: not the proposer's holder
        revisions.approve_change(w.session, w.settings, trip, ApproveBody(), w.keys["reporter"])
    revisions.approve_change(w.session, w.settings, trip, ApproveBody(), w.keys["approver"])
    assert trip.pending is None
    assert trip.actual_costs is not None
    assert [c["amount"]["amount"] for c in trip.actual_costs][1] == "405.00"
    event = w.events()[-1]
    assert event["type"] == "trip.corrected"
    DATA_MODELS["trip.corrected"].model_validate(event["data"])
    assert event["data"]["reason"] == examples.COSTS_CORRECTION["reason"]
    assert [c["field"] for c in event["data"]["changes"]] == ["actual_costs"]
    completed = event["data"]["completed"]
    assert completed["actual_costs"][1]["amount"]["amount"] == "405.00"
    assert completed["actual_total"]["amount"] == "2839.92"  # 2391.40 + 405.00 + 43.52
    assert _kinds(w, trip)[-2:] == ["change_proposed", "corrected"]


def test_a_rejected_correction_of_costs_is_closed_in_public_too(service: World) -> None:
    w = service
    trip = _completed(w)
    corrections.correct_costs(w.session, w.settings, trip, _costs("1.00"), w.keys["reporter"])
    why = RejectBody(reason="The receipts show the first amount.")
    revisions.reject_change(w.session, w.settings, trip, why, w.keys["approver"])
    assert trip.pending is None
    rejected = w.events()[-1]
    assert rejected["type"] == "trip.change_rejected"
    assert rejected["data"] == {
        "reference": trip.reference,
        "kind": "corrected",
        "fields": ["actual_costs"],
        "reason": "The receipts show the first amount.",
    }


def test_actual_costs_are_corrected_only_once_the_trip_has_them(service: World) -> None:
    w = service
    trip = _approved(w)
    with pytest.raises(ConflictError):
        corrections.correct_costs(w.session, w.settings, trip, _costs("1.00"), w.keys["reporter"])
    done = _completed(w)
    same = CostsCorrection.model_validate({**examples.COMPLETE, "reason": "The same costs again."})
    with pytest.raises(InvalidError) as refused:
        corrections.correct_costs(w.session, w.settings, done, same, w.keys["reporter"])
    assert refused.value.errors is not None
    assert refused.value.errors[0]["type"] == "no_change"
    assert done.pending is None
    assert _types(w)[-1] == "trip.completed"


# ---- the report and its follow-ups: at once, with the reason ------------------------------


def test_the_report_is_corrected_at_once_and_published_with_the_reason(service: World) -> None:
    w = service
    trip = _reported(w)
    body = ReportCorrection.model_validate(examples.REPORT_CORRECTION)
    corrections.correct_report(w.session, w.settings, trip, body, w.keys["reporter"])
    assert trip.report is not None
    assert trip.report["documents"][0]["url"].endswith("programme-signed.pdf")
    assert trip.report["summary"] == examples.REPORT["summary"]  # what was not sent stays
    event = w.events()[-1]
    assert event["type"] == "trip.corrected"
    assert [c["field"] for c in event["data"]["changes"]] == ["report.documents"]
    assert event["data"]["report"] == trip.report
    assert "completed" not in event["data"]
    assert "followups" not in event["data"]
    assert _kinds(w, trip)[-1] == "corrected"


def test_corrected_results_still_answer_every_expected_outcome(service: World) -> None:
    w = service
    trip = _reported(w)
    results = examples.REPORT["results"][:1]
    body = ReportCorrection.model_validate({"changes": {"results": results}, "reason": "Shorter."})
    with pytest.raises(InvalidError) as refused:
        corrections.correct_report(w.session, w.settings, trip, body, w.keys["reporter"])
    assert refused.value.errors is not None
    assert [e["location"] for e in refused.value.errors] == ["body.changes.results"]
    same = {"changes": {"summary": examples.REPORT["summary"]}, "reason": "The same."}
    with pytest.raises(InvalidError):
        corrections.correct_report(
            w.session, w.settings, trip, ReportCorrection.model_validate(same), w.keys["reporter"]
        )
    assert _types(w)[-1] == "trip.reported"


def test_a_followup_is_corrected_even_after_close(service: World) -> None:
    w = service
    trip = _reported(w)
    done = FollowupUpdate(status="done", evidence="Workshop held.")
    outcomes.update_followup(w.session, w.settings, trip, "f1", done, w.keys["reporter"])
    lifecycle.close(w.session, w.settings, trip, w.keys["reporter"])
    body = FollowupCorrection.model_validate(examples.FOLLOWUP_CORRECTION)
    corrections.correct_followup(w.session, w.settings, trip, "f1", body, w.keys["reporter"])
    assert trip.status == "closed"
    assert trip.followups[0]["due_date"] == "2027-10-31"
    assert trip.followups[0]["status"] == "done"  # progress is not what a correction changes
    event = w.events()[-1]
    assert event["type"] == "trip.corrected"
    assert event["data"]["changes"] == [
        {"field": "followups.f1.due_date", "before": "2027-09-30", "after": "2027-10-31"}
    ]
    assert event["data"]["followups"][0]["owner_department"] == "Mobility"  # its public name


def test_a_followup_correction_names_a_known_followup_and_department(service: World) -> None:
    w = service
    trip = _reported(w)
    body = FollowupCorrection.model_validate(examples.FOLLOWUP_CORRECTION)
    with pytest.raises(NotFoundError):
        corrections.correct_followup(w.session, w.settings, trip, "f9", body, w.keys["reporter"])
    elsewhere = FollowupCorrection.model_validate(
        {"changes": {"owner_department": "harbour"}, "reason": "Moved."}
    )
    with pytest.raises(InvalidError) as refused:
        corrections.correct_followup(
            w.session, w.settings, trip, "f1", elsewhere, w.keys["reporter"]
        )
    assert refused.value.errors is not None
    assert refused.value.errors[0]["location"] == "body.changes.owner_department"
    assert _types(w)[-1] == "trip.reported"


def test_followups_are_added_after_the_report_until_the_close(service: World) -> None:
    w = service
    trip = _reported(w)
    body = FollowupsAddition.model_validate(examples.FOLLOWUPS_ADDITION)
    corrections.add_followups(w.session, w.settings, trip, body, w.keys["reporter"])
    assert [f["id"] for f in trip.followups] == ["f1", "f2"]
    assert trip.followups[1]["status"] == "open"
    event = w.events()[-1]
    assert event["type"] == "trip.corrected"
    assert event["data"]["reason"] == examples.FOLLOWUPS_ADDITION["reason"]
    assert [c["field"] for c in event["data"]["changes"]] == ["followups.f2"]
    assert event["data"]["changes"][0]["before"] is None
    assert [f["id"] for f in event["data"]["followups"]] == ["f1", "f2"]
    assert _kinds(w, trip)[-1] == "followups_added"
    for fid in ("f1", "f2"):
        dropped = FollowupUpdate(status="dropped", evidence="Superseded.")
        outcomes.update_followup(w.session, w.settings, trip, fid, dropped, w.keys["reporter"])
    lifecycle.close(w.session, w.settings, trip, w.keys["reporter"])
    with pytest.raises(ConflictError):
        corrections.add_followups(w.session, w.settings, trip, body, w.keys["reporter"])


def test_no_correction_while_a_change_waits(service: World) -> None:
    w = service
    trip = _reported(w)
    corrections.correct_costs(w.session, w.settings, trip, _costs("405.00"), w.keys["reporter"])
    body = FollowupsAddition.model_validate(examples.FOLLOWUPS_ADDITION)
    with pytest.raises(ConflictError):
        corrections.add_followups(w.session, w.settings, trip, body, w.keys["reporter"])
    report = ReportCorrection.model_validate(examples.REPORT_CORRECTION)
    with pytest.raises(ConflictError):
        corrections.correct_report(w.session, w.settings, trip, report, w.keys["reporter"])


# ---- a pending change is public: which fields and why, never the values -------------------


def test_a_pending_amendment_is_published_without_its_values(service: World) -> None:
    w = service
    trip = _approved(w, days_ahead=60)
    budget = [
        {"category": "other", "payer": "city", "amount": {"amount": "777.00", "currency": "EUR"}}
    ]
    body = ChangeBody.model_validate({"changes": {"budget": budget}, "reason": "A new quote."})
    revisions.change(w.session, w.settings, trip, body, w.keys["writer"], "amended")
    event = w.events()[-1]
    assert event["type"] == "trip.change_pending"
    assert event["data"]["fields"] == ["budget"]
    assert event["data"]["kind"] == "amended"
    assert "777" not in str(event["data"])
    public = lifecycle.history(w.session, trip, private=False).entries[-1]
    assert public.kind == "change_proposed"
    assert public.trip.pending_change is not None
    assert public.trip.pending_change.fields == ["budget"]
    assert public.trip.pending_change.changes is None
    revisions.approve_change(w.session, w.settings, trip, ApproveBody(), w.keys["approver"])
    assert _types(w)[-3:] == ["trip.approved", "trip.change_pending", "trip.amended"]


def test_a_pending_change_of_protected_names_alone_is_not_published(service: World) -> None:
    w = service
    trip = _approved(w, days_ahead=60)
    travellers = [dict(t) for t in examples.trip()["travellers"]]
    travellers[1]["name"] = "Jorge Silva Pereira"  # the protected one, spelt in full
    body = ChangeBody.model_validate({"changes": {"travellers": travellers}, "reason": "Spelling."})
    revisions.change(w.session, w.settings, trip, body, w.keys["writer"], "corrected")
    assert trip.pending is not None
    assert trip.pending["fields"] == ["travellers"]
    assert _types(w) == ["trip.approved"]
    anonymous = disclosure.pending_view(trip, private=False, reviewer=False)
    assert anonymous is None
    private = disclosure.pending_view(trip, private=True, reviewer=False)
    assert private is not None
    assert private.public_fields == []
    public_kinds = [e.kind for e in lifecycle.history(w.session, trip, private=False).entries]
    assert "change_proposed" not in public_kinds
    why = RejectBody(reason="Not the spelling in the passport.")
    revisions.reject_change(w.session, w.settings, trip, why, w.keys["approver"])
    assert _types(w) == ["trip.approved"]


def test_cancelling_drops_a_pending_change_and_publishes_the_cancellation(service: World) -> None:
    w = service
    trip = _approved(w, days_ahead=60)
    body = ChangeBody.model_validate(examples.AMEND)
    revisions.change(w.session, w.settings, trip, body, w.keys["writer"], "amended")
    lifecycle.cancel(w.session, w.settings, trip, CancelBody(reason="Postponed."), w.keys["writer"])
    assert trip.pending is None
    assert _types(w)[-2:] == ["trip.change_pending", "trip.cancelled"]


# ---- over HTTP ----------------------------------------------------------------------------


def test_corrections_over_http_need_the_report_scope_and_four_eyes_for_costs(api: Api) -> None:
    trip = api.reported()
    path = f"/v1/trips/{trip['id']}"
    writer = api.as_("writer").post(f"{path}/costs/correct", json=examples.COSTS_CORRECTION)
    assert writer.status_code == 403
    proposed = api.post_ok("reporter", f"{path}/costs/correct", json=examples.COSTS_CORRECTION)
    assert proposed["actual_total"] == trip["actual_total"]
    assert proposed["pending_change"]["fields"] == ["actual_costs"]
    seen = api.as_(None).get(path).json()["pending_change"]
    assert seen["fields"] == ["actual_costs"]
    assert seen["changes"] is None
    assert api.as_("reporter").post(f"{path}/change/approve").status_code == 403
    approved = api.post_ok("approver", f"{path}/change/approve")
    assert approved["actual_total"] != trip["actual_total"]
    assert [e["type"] for e in api.events()][-2:] == ["trip.change_pending", "trip.corrected"]


def test_report_and_followup_corrections_over_http(api: Api) -> None:
    trip = api.reported()
    path = f"/v1/trips/{trip['id']}"
    api.post_ok("reporter", f"{path}/report/correct", json=examples.REPORT_CORRECTION)
    added = api.post_ok("reporter", f"{path}/followups", json=examples.FOLLOWUPS_ADDITION)
    assert [f["id"] for f in added["followups"]] == ["f1", "f2"]
    fixed = api.post_ok(
        "reporter", f"{path}/followups/f2/correct", json=examples.FOLLOWUP_CORRECTION
    )
    assert fixed["followups"][1]["due_date"] == "2027-10-31"
    unknown = api.as_("reporter").post(
        f"{path}/followups/f7/correct", json=examples.FOLLOWUP_CORRECTION
    )
    assert unknown.status_code == 404
    no_reason = api.as_("reporter").post(f"{path}/followups", json={"followups": []})
    assert no_reason.status_code == 422
    locations = {e["location"] for e in no_reason.json()["errors"]}
    assert {"body.followups", "body.reason"} <= locations
    history = api.as_(None).get(f"{path}/history").json()["entries"]
    assert [e["kind"] for e in history][-3:] == ["corrected", "followups_added", "corrected"]
    assert history[-1]["reason"] == examples.FOLLOWUP_CORRECTION["reason"]
