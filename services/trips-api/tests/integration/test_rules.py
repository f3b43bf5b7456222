"""The rules of approval, amendment and reporting, each over real HTTP."""

from typing import Any

from trips_api.testing import Api, days, make_settings, serve
from trips_api.trips import examples

PLAIN = {"content-type": "text/plain"}


def _submitted(api: Api, **overrides: Any) -> dict[str, Any]:
    trip = api.create(**overrides)
    return api.post_ok("writer", f"/v1/trips/{trip['id']}/submit")


def test_four_eyes_the_creating_key_cannot_approve(api: Api) -> None:
    # An admin key holds every scope, yet still may not approve its own trip.
    trip = api.post_ok("admin", "/v1/trips", json=examples.trip())
    api.post_ok("admin", f"/v1/trips/{trip['id']}/submit")
    response = api.as_("admin").post(f"/v1/trips/{trip['id']}/approve")
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert "Four eyes" in response.json()["detail"]
    assert api.post_ok("approver", f"/v1/trips/{trip['id']}/approve")["status"] == "approved"


def test_scopes_are_enforced(api: Api) -> None:
    trip = _submitted(api)
    assert api.as_("writer").post(f"/v1/trips/{trip['id']}/approve").status_code == 403
    assert api.as_(None).post("/v1/trips", json=examples.trip()).status_code == 401
    bad = api.as_(None).post("/v1/trips", headers={"Authorization": "Bearer pk_nope"})
    assert bad.status_code == 401


def test_a_bad_key_is_refused_before_a_bad_body_is_judged(api: Api) -> None:
    """The key of a write is checked before its input, whatever is wrong with the input; a
    body that is not JSON at all is the one fault found first."""
    trip = _submitted(api)
    unknown = {"Authorization": "Bearer pk_000000000000_" + "a" * 30}
    anonymous, approver = api.as_(None), api.as_("approver")
    for response, status in (
        (anonymous.post("/v1/trips", json={"title": 5}), 401),
        (anonymous.post("/v1/trips/not-an-id/submit", headers={"Idempotency-Key": "a b"}), 401),
        (anonymous.patch(f"/v1/trips/{trip['id']}", json={"title": 5}), 401),
        (api.as_(None).post("/v1/trips", json={"title": 5}, headers=unknown), 401),
        (approver.post("/v1/trips", json={"title": 5}), 403),
        (approver.post("/v1/trips/not-an-id/cancel", json={}), 403),
        (api.as_("writer").post(f"/v1/trips/{trip['id']}/approve", json={"x": 1}), 403),
        (api.as_("writer").post("/v1/trips", json={"title": 5}), 422),
    ):
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/problem+json"
    assert anonymous.post("/v1/trips", json={}).headers["www-authenticate"] == "Bearer"
    malformed = anonymous.post(
        "/v1/trips", content=b"{oops", headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 400
    assert anonymous.post("/v1/trips", content=b"{}", headers=PLAIN).status_code == 401


def test_a_body_that_is_not_json_is_told_apart_from_one_that_breaks_the_schema(
    api: Api,
) -> None:
    """400 for a body that is not JSON, saying where it breaks; 415 for another media type;
    each a problem type that `/problems` describes and the document declares there."""
    writer = api.as_("writer")
    broken = writer.post(
        "/v1/trips", content=b'{"title": "x",\n oops}', headers={"content-type": "application/json"}
    )
    assert broken.status_code == 400, broken.text
    assert broken.headers["content-type"] == "application/problem+json"
    assert broken.json()["errors"] == [
        {
            "location": "body",
            "message": "Expecting property name enclosed in double quotes at line 2, column 2",
            "type": "json_invalid",
        }
    ]
    plain = writer.post("/v1/trips", content=b'{"title": "x"}', headers=PLAIN)
    assert plain.status_code == 415, plain.text
    assert plain.json()["errors"][0]["location"] == "header.content-type"
    described = {k["type"] for k in api.as_(None).get("/problems").json()}
    assert {broken.json()["type"], plain.json()["type"]} <= described
    document = api.as_(None).get("/openapi.json").json()
    for item in document["paths"].values():
        for operation in (o for o in item.values() if "requestBody" in o):
            assert {"400", "413", "415", "422"} <= set(operation["responses"]), operation


def test_approval_needs_purpose_itinerary_sdg_agenda_outcomes_and_budget(api: Api) -> None:
    trip = api.create(
        purpose=None,
        itinerary=[],
        agenda=[],
        expected_outcomes=[],
        budget=[],
        sdg_goals=[],
        sdg_targets=[],
    )
    response = api.as_("writer").post(f"/v1/trips/{trip['id']}/submit")
    assert response.status_code == 422
    locations = {e["location"] for e in response.json()["errors"]}
    assert {
        "trip.purpose",
        "trip.itinerary",
        "trip.agenda",
        "trip.expected_outcomes",
        "trip.budget",
        "trip.sdg_targets",
    } <= locations


def test_a_short_notice_approval_needs_a_justification(api: Api) -> None:
    trip = _submitted(api, **examples.trip(days_ahead=5))
    response = api.as_("approver").post(f"/v1/trips/{trip['id']}/approve")
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == "body.urgency_justification"
    approved = api.post_ok(
        "approver",
        f"/v1/trips/{trip['id']}/approve",
        json={"urgency_justification": "The host moved the session forward."},
    )
    assert approved["days_notice"] == 5
    event = api.events()[-1]
    assert event["data"]["trip"]["urgency_justification"] == "The host moved the session forward."
    assert event["data"]["trip"]["days_notice"] == 5


def test_the_notice_period_is_configurable(database_url: str) -> None:
    for api in serve(make_settings(database_url, urgency_days=3)):
        trip = _submitted(api, **examples.trip(days_ahead=5))
        assert api.post_ok("approver", f"/v1/trips/{trip['id']}/approve")["days_notice"] == 5


def test_after_approval_changes_are_amendments_with_history(api: Api) -> None:
    trip = api.approved()
    path = f"/v1/trips/{trip['id']}"
    refused = api.as_("writer").patch(path, json={"title": "Another title"})
    assert refused.status_code == 409
    proposed = api.post_ok(
        "writer",
        f"{path}/amend",
        json={"changes": {"delegation_size": 3}, "reason": "A third person joins."},
    )
    assert proposed["delegation_size"] == 2  # the delegation waits for another holder
    assert proposed["pending_change"]["fields"] == ["delegation_size"]
    amended = api.post_ok("approver", f"{path}/change/approve")
    assert amended["delegation_size"] == 3
    assert amended["pending_change"] is None
    assert amended["version"] == trip["version"] + 2
    corrected = api.post_ok("writer", f"{path}/correct", json=examples.CORRECT)
    assert corrected["host_organisation"] == "United Cities and Local Governments"

    types = [e["type"] for e in api.events()]
    assert types == ["trip.approved", "trip.change_pending", "trip.amended", "trip.corrected"]
    amendment = api.events()[2]["data"]
    assert amendment["reason"] == "A third person joins."
    assert {"field": "delegation_size", "before": 2, "after": 3} in amendment["changes"]
    assert amendment["trip"]["delegation_size"] == 3

    history = api.as_("private").get(f"{path}/history").json()["entries"]
    kinds = [e["kind"] for e in history]
    assert kinds == ["created", "submitted", "approved", "change_proposed", "amended", "corrected"]
    assert history[4]["reason"] == "A third person joins."
    assert {"field": "delegation_size", "before": 2, "after": 3} in history[4]["changes"]
    assert all(e["key_id"] for e in history)  # every write records its key

    public = api.as_(None).get(f"{path}/history").json()["entries"]
    assert [e["kind"] for e in public] == [
        "approved",
        "change_proposed",
        "amended",
        "corrected",
    ]
    assert all(e["key_id"] is None for e in public)
    assert all(e["trip"]["travellers"][1]["name"] is None for e in public)


def test_an_amendment_is_refused_after_travel_but_a_correction_is_not(api: Api) -> None:
    trip = api.completed()
    path = f"/v1/trips/{trip['id']}"
    assert api.as_("writer").post(f"{path}/amend", json=examples.AMEND).status_code == 409
    assert api.as_("writer").post(f"{path}/correct", json=examples.CORRECT).status_code == 200


def test_an_amendment_keeps_the_trip_approvable(api: Api) -> None:
    trip = api.approved()
    response = api.as_("writer").post(
        f"/v1/trips/{trip['id']}/amend",
        json={"changes": {"agenda": []}, "reason": "Dropping the agenda."},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == "trip.agenda"


def test_cancel_before_travel_publishes_only_if_it_was_public(api: Api) -> None:
    draft = api.create()
    api.post_ok("writer", f"/v1/trips/{draft['id']}/cancel", json=examples.CANCEL)
    assert api.events() == []
    approved = api.approved()
    cancelled = api.post_ok("writer", f"/v1/trips/{approved['id']}/cancel", json=examples.CANCEL)
    assert cancelled["status"] == "cancelled"
    event = api.events()[-1]
    assert event["type"] == "trip.cancelled"
    assert event["data"] == {
        "reference": approved["reference"],
        "reason": examples.CANCEL["reason"],
    }
    again = api.as_("writer").post(f"/v1/trips/{approved['id']}/cancel", json=examples.CANCEL)
    assert again.status_code == 409


def test_completion_waits_for_the_return(api: Api) -> None:
    trip = api.approved()
    response = api.as_("reporter").post(f"/v1/trips/{trip['id']}/complete", json=examples.COMPLETE)
    assert response.status_code == 409


def test_a_report_needs_a_result_for_every_expected_outcome(api: Api) -> None:
    trip = api.completed()
    body = {**examples.REPORT, "results": examples.REPORT["results"][:1]}
    response = api.as_("reporter").post(f"/v1/trips/{trip['id']}/report", json=body)
    assert response.status_code == 422
    assert "o2" in response.json()["errors"][0]["message"]
    body = {
        **examples.REPORT,
        "results": [
            *examples.REPORT["results"],
            {**examples.REPORT["results"][0], "outcome_id": "o9"},
        ],
    }
    response = api.as_("reporter").post(f"/v1/trips/{trip['id']}/report", json=body)
    assert response.status_code == 422


def test_a_trip_with_open_followups_cannot_close(api: Api) -> None:
    trip = api.reported()
    response = api.as_("reporter").post(f"/v1/trips/{trip['id']}/close")
    assert response.status_code == 409
    assert "f1" in response.json()["detail"]


def test_overdue_reports_are_flagged_and_filtered(api: Api) -> None:
    late = api.approved(days_ahead=-45)  # returned 40 days ago; due after 30
    on_time = api.approved(days_ahead=-10)
    future = api.approved()
    assert late["report_overdue"] is True
    assert on_time["report_overdue"] is False
    listed = api.as_(None).get("/v1/trips", params={"overdue": "true"}).json()["trips"]
    assert [t["id"] for t in listed] == [late["id"]]
    not_late = api.as_(None).get("/v1/trips", params={"overdue": "false"}).json()["trips"]
    assert {t["id"] for t in not_late} == {on_time["id"], future["id"]}
    completed = api.post_ok("reporter", f"/v1/trips/{late['id']}/complete", json=examples.COMPLETE)
    assert completed["report_overdue"] is True  # completing is not reporting
    reported = api.post_ok("reporter", f"/v1/trips/{late['id']}/report", json=examples.REPORT)
    assert reported["report_overdue"] is False
    assert reported["report"]["days_after_return"] == 40


def test_dates_must_hold_together(api: Api) -> None:
    body = {**examples.trip(), "return_date": days(1), "departure_date": days(3)}
    response = api.as_("writer").post("/v1/trips", json=body)
    assert response.status_code == 422
    assert "return_date is before departure_date" in response.text


def test_a_retired_department_does_not_block_correcting_an_old_trip(api: Api) -> None:
    trip = api.approved()
    api.as_("admin").patch("/v1/departments/mobility", json={"active": False})
    corrected = api.post_ok("writer", f"/v1/trips/{trip['id']}/correct", json=examples.CORRECT)
    assert corrected["departments"] == ["mobility"]
    response = api.as_("writer").post("/v1/trips", json=examples.trip())
    assert response.status_code == 422  # but no new trip may name it
