"""The whole life of a trip over HTTP, and the events it publishes."""

from periplus.public import DATA_MODELS
from trips_api.testing import Api
from trips_api.trips import examples


def test_a_trip_from_draft_to_closed_publishes_each_public_step(api: Api) -> None:
    trip = api.create(**examples.trip(days_ahead=-10))
    assert trip["status"] == "draft"
    assert trip["reference"].startswith("MVD-")
    assert api.events() == []  # a draft is not public

    api.post_ok("writer", f"/v1/trips/{trip['id']}/submit")
    approved = api.post_ok(
        "approver",
        f"/v1/trips/{trip['id']}/approve",
        json={"urgency_justification": "Recorded after return."},
    )
    assert approved["status"] == "approved"
    assert approved["days_notice"] == -10
    completed = api.post_ok("reporter", f"/v1/trips/{trip['id']}/complete", json=examples.COMPLETE)
    assert completed["actual_total"] == {"amount": "2920.92", "currency": "EUR"}
    reported = api.post_ok("reporter", f"/v1/trips/{trip['id']}/report", json=examples.REPORT)
    assert reported["report"]["days_after_return"] == 5
    assert reported["followups"][0]["id"] == "f1"
    response = api.as_("reporter").patch(
        f"/v1/trips/{trip['id']}/followups/f1", json={"status": "done", "note": "Held."}
    )
    assert response.status_code == 200, response.text
    closed = api.post_ok("reporter", f"/v1/trips/{trip['id']}/close")
    assert closed["status"] == "closed"

    events = api.events()
    assert [e["type"] for e in events] == [
        "trip.approved",
        "trip.completed",
        "trip.reported",
        "followup.updated",
        "trip.closed",
    ]
    assert [e["seq"] for e in events] == [1, 2, 3, 4, 5]
    for event in events:
        DATA_MODELS[event["type"]].model_validate(event["data"])
        assert event["trip_id"] == trip["id"]
        assert event["source"] == "montevideo/trips-api"
