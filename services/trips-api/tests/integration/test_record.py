"""Money in the reporting currency, and private data kept out of every event."""

import json

from periplus.public import DATA_MODELS
from trips_api.testing import Api, days
from trips_api.trips import examples


def test_amounts_are_exact_and_converted_with_their_rate_and_date(api: Api) -> None:
    trip = api.create()
    lodging = trip["budget"][1]
    assert lodging["amount"] == {"amount": "1200000", "currency": "KRW"}
    assert lodging["exchange_rate"] == "0.00068"
    assert lodging["reporting"] == {"amount": "816.00", "currency": "EUR"}
    assert lodging["rate_date"] == examples.trip()["budget"][1]["rate_date"]
    airfare = trip["budget"][0]
    assert airfare["exchange_rate"] == "1"
    assert trip["budget_total"] == {"amount": "3836.00", "currency": "EUR"}
    assert trip["city_share"] == {"amount": "3020.00", "currency": "EUR"}  # the host pays lodging


def test_a_configured_rate_is_used_when_the_client_sends_none(api: Api) -> None:
    item = {
        "category": "registration",
        "payer": "city",
        "amount": {"amount": "100.10", "currency": "USD"},
    }
    trip = api.create(budget=[item])
    recorded = trip["budget"][0]
    assert recorded["exchange_rate"] == "0.92"
    assert recorded["reporting"] == {"amount": "92.09", "currency": "EUR"}


def test_an_amount_that_cannot_be_converted_is_refused(api: Api) -> None:
    item = {"category": "other", "payer": "city", "amount": {"amount": "5", "currency": "JPY"}}
    response = api.as_("writer").post("/v1/trips", json={**examples.trip(), "budget": [item]})
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == "body.budget[0].exchange_rate"


def test_an_amount_or_rate_written_otherwise_is_no_change(api: Api) -> None:
    trip = api.approved()
    budget = [dict(item) for item in examples.trip()["budget"]]
    budget[0] = {**budget[0], "amount": {"amount": "2480.0", "currency": "EUR"}}
    budget[1] = {**budget[1], "exchange_rate": "0.000680"}
    same = {"changes": {"budget": budget}, "reason": "The same costs, written otherwise."}
    refused = api.as_("writer").post(f"/v1/trips/{trip['id']}/amend", json=same)
    assert refused.status_code == 422, refused.text
    assert api.as_("writer").get(f"/v1/trips/{trip['id']}").json()["version"] == trip["version"]
    assert [e["type"] for e in api.events()] == ["trip.approved"]


def test_costs_that_add_up_past_what_a_trip_can_cost_are_refused_and_nothing_is_made(
    api: Api,
) -> None:
    # Each item is within bounds; their sum in euros has 21 digits, more than an amount has.
    item = {
        "category": "other",
        "payer": "city",
        "amount": {"amount": "999999999999", "currency": "USD"},
        "exchange_rate": "99999999",
    }
    body = {**examples.trip(), "budget": [item, item]}
    response = api.as_("writer").post("/v1/trips", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["location"] for e in response.json()["errors"]] == ["body.budget"]
    assert api.as_("writer").get("/v1/trips").json()["trips"] == []


def test_a_trip_too_large_to_log_is_refused_at_approval_and_stays_submitted(api: Api) -> None:
    # 300 agenda items of the longest words each: valid, but more than a log entry holds.
    first = examples.trip()["agenda"][0]
    words = {"title": "T" * 200, "counterpart": "C" * 200, "topic": "P" * 200}
    body = {**examples.trip(), "agenda": [{**first, **words} for _ in range(300)]}
    trip = api.post_ok("writer", "/v1/trips", json=body)
    api.post_ok("writer", f"/v1/trips/{trip['id']}/submit")
    refused = api.as_("approver").post(f"/v1/trips/{trip['id']}/approve")
    assert refused.status_code == 422, refused.text
    assert "at most 65,535" in refused.json()["detail"]
    assert api.as_("writer").get(f"/v1/trips/{trip['id']}").json()["status"] == "submitted"
    assert api.events() == []
    # The next event takes the next seq: the refused one used none.
    approved = api.approved()
    assert [e["seq"] for e in api.events()] == [1]
    assert approved["status"] == "approved"


def test_floats_and_unknown_currencies_are_refused(api: Api) -> None:
    for amount in ({"amount": 10.5, "currency": "EUR"}, {"amount": "10", "currency": "XXY"}):
        item = {"category": "other", "payer": "city", "amount": amount}
        response = api.as_("writer").post("/v1/trips", json={**examples.trip(), "budget": [item]})
        assert response.status_code == 422, amount


def test_private_data_never_enters_an_event(api: Api) -> None:
    trip = api.reported()
    path = f"/v1/trips/{trip['id']}"
    api.post_ok(
        "writer",
        f"{path}/correct",
        json={"changes": {"private_notes": "Changed notes."}, "reason": "Internal note only."},
    )
    api.post_ok("writer", f"{path}/correct", json=examples.CORRECT)
    events = api.events()
    assert [e["type"] for e in events] == [
        "trip.approved",
        "trip.completed",
        "trip.reported",
        "trip.corrected",  # the private-only correction published nothing
    ]
    text = json.dumps(events)
    assert "Jorge Silva" not in text
    assert "Passport" not in text
    assert "Changed notes" not in text
    assert "Ana Pereira" in text  # a public name is public
    protected = events[0]["data"]["trip"]["travellers"][1]
    assert protected == {
        "name": None,
        "position": "Head of the international relations office",
        "elected": False,
    }


def test_every_emitted_event_validates_against_the_public_contract(api: Api) -> None:
    api.post_ok("writer", f"/v1/trips/{api.approved()['id']}/cancel", json=examples.CANCEL)
    amended = api.approved()
    api.post_ok("writer", f"/v1/trips/{amended['id']}/amend", json=examples.AMEND)
    api.post_ok("approver", f"/v1/trips/{amended['id']}/change/approve")  # another holder
    rejected = api.approved()
    api.post_ok("writer", f"/v1/trips/{rejected['id']}/amend", json=examples.AMEND)
    api.post_ok("approver", f"/v1/trips/{rejected['id']}/change/reject", json=examples.REJECT)
    reported = api.reported()
    path = f"/v1/trips/{reported['id']}"
    api.post_ok("writer", f"{path}/correct", json=examples.CORRECT)
    for status in ("done",):
        response = api.as_("reporter").patch(f"{path}/followups/f1", json={"status": status})
        assert response.status_code == 200
    api.post_ok("reporter", f"{path}/close")
    events = api.events()
    assert {e["type"] for e in events} == set(DATA_MODELS) - {
        "source.key_rotated",
        "source.seq_resolved",
    }
    for event in events:
        DATA_MODELS[event["type"]].model_validate(event["data"])


def test_anonymous_readers_see_only_published_trips_without_private_fields(api: Api) -> None:
    draft = api.create()
    published = api.approved()
    anonymous = api.as_(None)
    assert anonymous.get(f"/v1/trips/{draft['id']}").status_code == 404
    seen = anonymous.get(f"/v1/trips/{published['id']}").json()
    assert seen["travellers"][1]["name"] is None
    assert seen["private_notes"] is None
    assert seen["created_by"] is None
    assert [t["id"] for t in anonymous.get("/v1/trips").json()["trips"]] == [published["id"]]
    full = api.as_("private").get(f"/v1/trips/{published['id']}").json()
    assert full["travellers"][1]["name"] == "Jorge Silva"
    assert full["private_notes"] == examples.trip()["private_notes"]
    assert full["approved_by"] == api.keys["approver"].split("_")[1]


def test_the_published_snapshot_carries_totals_in_kind_and_the_report_due_date(api: Api) -> None:
    trip = api.approved()
    snapshot = api.events()[0]["data"]["trip"]
    assert snapshot["reference"] == trip["reference"]
    assert snapshot["budget_total"] == {"amount": "3836.00", "currency": "EUR"}
    assert snapshot["city_share"] == {"amount": "3020.00", "currency": "EUR"}
    assert snapshot["in_kind"] == [
        {
            "giver": "Daejeon Metropolitan City",
            "description": "Local transport during the visit",
            "estimated_value": {"amount": "150.00", "currency": "EUR"},
        }
    ]
    assert snapshot["report_due"] == days(65 + 30)
    assert snapshot["days_notice"] == 60
    assert snapshot["delegation_size"] == 2


def test_moving_the_return_date_moves_the_report_due_date(api: Api) -> None:
    trip = api.approved()
    later = {"return_date": days(70), "itinerary": examples.trip()["itinerary"]}
    api.post_ok(
        "writer",
        f"/v1/trips/{trip['id']}/amend",
        json={"changes": later, "reason": "The summit adds a day of site visits."},
    )
    amended = api.post_ok("approver", f"/v1/trips/{trip['id']}/change/approve")
    assert amended["report_due"] == days(100)
    change = api.events()[-1]["data"]["changes"]
    assert {c["field"] for c in change} == {"return_date", "report_due"}


def test_every_rate_a_client_may_send_goes_into_an_event_the_contract_takes(api: Api) -> None:
    """Written in one spelling each (no leading or trailing zeros, ten decimals kept), which
    the contract takes: a rate written otherwise is the same rate."""
    trip = examples.trip()
    for rate in ("01.5", "007", "00.00068", "12345678.0123456789"):
        budget = [dict(item) for item in trip["budget"]]
        budget[1] = {**budget[1], "exchange_rate": rate}
        created = api.as_("writer").post("/v1/trips", json={**trip, "budget": budget})
        assert created.status_code == 201, created.text
        trip_id = created.json()["id"]
        api.post_ok("writer", f"/v1/trips/{trip_id}/submit")
        api.post_ok("approver", f"/v1/trips/{trip_id}/approve", json=examples.APPROVE)
    approvals = [e for e in api.events() if e["type"] == "trip.approved"]
    rates = [c["exchange_rate"] for e in approvals for c in e["data"]["trip"]["budget"]]
    assert {"1.5", "7", "0.00068", "12345678.0123456789"} <= set(rates)
    assert not {"01.5", "007", "00.00068"} & set(rates)
    for event in approvals:
        DATA_MODELS["trip.approved"].model_validate(event["data"])
