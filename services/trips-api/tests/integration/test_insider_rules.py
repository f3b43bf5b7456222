"""Rules that hold against an insider: four eyes by holder, private data kept private,
changes after approval that wait for another holder, and dates that bind."""

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session

from trips_api import clock
from trips_api.keys import service as keys_service
from trips_api.testing import Api
from trips_api.trips import examples


def _key(api: Api, holder: str, *scopes: str) -> str:
    """A key made by the operator, held by ``holder``; its client is registered as ``holder``."""
    with Session(api.app.state.engine) as session:
        plain = keys_service.create(session, f"{holder} key", list(scopes), holder=holder)[1]
        session.commit()
    api.keys[holder] = plain
    return plain


def _minted(api: Api, by: str, role: str, **body: Any) -> None:
    """A key an admin makes over the API, registered as ``role``."""
    made = api.post_ok(by, "/v1/keys", json={"name": role, **body})
    api.keys[role] = made["key"]


def _submitted(api: Api, role: str = "writer") -> dict[str, Any]:
    trip = api.post_ok(role, "/v1/trips", json=examples.trip())
    return api.post_ok(role, f"/v1/trips/{trip['id']}/submit")


def _approve(api: Api, role: str, trip: dict[str, Any]) -> int:
    return api.as_(role).post(f"/v1/trips/{trip['id']}/approve").status_code


# ---- four eyes, by holder ---------------------------------------------------------------


def test_another_key_of_the_same_holder_cannot_approve(api: Api) -> None:
    _key(api, "Mayor's Office", "trips:write")
    _key(api, "mayor's  office", "trips:approve")  # case and spacing make no other person
    trip = _submitted(api, "Mayor's Office")
    assert _approve(api, "mayor's  office", trip) == 403
    assert api.events() == []
    assert _approve(api, "approver", trip) == 200


def test_an_admin_cannot_approve_through_a_key_it_mints_for_itself(api: Api) -> None:
    trip = _submitted(api, "admin")
    _minted(api, "admin", "own approve key", scopes=["trips:approve"])
    keys = api.as_("admin").get("/v1/keys").json()["keys"]
    assert next(k for k in keys if k["name"] == "own approve key")["holder"] == "admin"
    assert _approve(api, "own approve key", trip) == 403
    # Naming another holder does not help: a key answers for the holder who minted it too.
    _minted(api, "admin", "a straw man", holder="Someone Else", scopes=["trips:approve"])
    assert _approve(api, "a straw man", trip) == 403
    assert api.events() == []


def test_an_admin_cannot_approve_what_a_key_it_minted_wrote(api: Api) -> None:
    _minted(api, "admin", "front", holder="Front Office", scopes=["trips:write"])
    trip = _submitted(api, "front")
    assert _approve(api, "admin", trip) == 403
    assert _approve(api, "approver", trip) == 200


def _refusal(api: Api, role: str, trip: dict[str, Any], path: str = "approve") -> str:
    """The detail of the 403 problem that refuses ``role``'s decision on ``trip``."""
    body = examples.REJECT if path.endswith("reject") else {}
    refused = api.as_(role).post(f"/v1/trips/{trip['id']}/{path}", json=body)
    assert refused.status_code == 403, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"].endswith("/problems/forbidden")
    return str(refused.json()["detail"])


def _id(api: Api, role: str) -> str:
    return api.keys[role].split("_")[1]


def test_an_admin_that_minted_both_the_writing_and_the_approving_key_holds_both(
    api: Api,
) -> None:
    _minted(api, "admin", "hr", holder="HR system", scopes=["trips:write"])
    _minted(api, "admin", "mayor", holder="Mayor's office", scopes=["trips:approve"])
    trip = _submitted(api, "hr")
    detail = _refusal(api, "mayor", trip)
    # An approve key does not see key ids: the shared key is named by its holder alone.
    assert detail.startswith("Four eyes: a key of 'admin' minted")
    assert _id(api, "admin") not in detail
    assert api.events() == []
    assert _approve(api, "approver", trip) == 200


@pytest.mark.parametrize("holder", ["Finance office", "F\u0456nance office"])  # a Cyrillic i
def test_a_look_alike_holder_does_not_hide_a_shared_minter(api: Api, holder: str) -> None:
    _minted(api, "admin", "hr", holder="Finance office", scopes=["trips:write"])
    _minted(api, "admin", "look-alike", holder=holder, scopes=["trips:approve"])
    trip = _submitted(api, "hr")
    assert _approve(api, "look-alike", trip) == 403
    assert api.events() == []


def test_a_grandchild_approve_key_answers_to_the_admin_above_it(api: Api) -> None:
    _minted(api, "admin", "someone", holder="Someone", scopes=["trips:write"])
    _minted(api, "admin", "Zed", holder="Zed", scopes=["admin"])
    _minted(api, "Zed", "Yvonne", holder="Yvonne", scopes=["trips:approve"])
    trip = _submitted(api, "someone")
    assert "a key of 'admin' minted" in _refusal(api, "Yvonne", trip)
    assert _approve(api, "approver", trip) == 200


def test_sibling_admin_keys_are_one_authority(api: Api) -> None:
    _minted(api, "admin", "left", holder="Left office", scopes=["admin"])
    _minted(api, "admin", "right", holder="Right office", scopes=["admin"])
    _minted(api, "left", "clerk", holder="Clerk", scopes=["trips:write"])
    trip = _submitted(api, "clerk")
    # An admin key sees key ids: the shared key is named by its id too, the nearest one.
    detail = _refusal(api, "right", trip)
    assert detail.startswith(f"Four eyes: key {_id(api, 'admin')} ('admin') minted")
    _minted(api, "right", "reviewer", holder="Reviewer", scopes=["trips:approve"])
    assert _approve(api, "reviewer", trip) == 403
    assert api.events() == []


def test_keys_of_separate_authorities_made_by_the_operator_work_together(api: Api) -> None:
    _key(api, "IT office", "admin")
    _key(api, "Mayor's office", "admin")
    _minted(api, "IT office", "hr", holder="HR system", scopes=["trips:write"])
    _minted(api, "Mayor's office", "deputy", holder="Deputy mayor", scopes=["trips:approve"])
    trip = _submitted(api, "hr")
    assert _approve(api, "deputy", trip) == 200
    assert [e["type"] for e in api.events()] == ["trip.approved"]


def test_a_change_waits_for_another_authority_than_its_proposers(api: Api) -> None:
    trip = api.approved()
    path = f"/v1/trips/{trip['id']}"
    _minted(api, "admin", "clerk", holder="Clerk", scopes=["trips:write"])
    _minted(api, "admin", "reviewer", holder="Reviewer", scopes=["trips:approve"])
    body = {"changes": {"budget": _budget("10.00")}, "reason": "Budget typo."}
    api.post_ok("clerk", f"{path}/correct", json=body)
    assert "one hand holds both" in _refusal(api, "reviewer", trip, "change/approve")
    assert "must reject" in _refusal(api, "reviewer", trip, "change/reject")
    assert api.as_(None).get(path).json()["pending_change"]["fields"] == ["budget"]
    assert api.post_ok("approver", f"{path}/change/approve")["pending_change"] is None


def test_whoever_changed_a_submitted_trip_cannot_approve_it(api: Api) -> None:
    _key(api, "Editor", "trips:write", "trips:approve")
    trip = _submitted(api)
    edited = api.as_("Editor").patch(f"/v1/trips/{trip['id']}", json={"title": "A new title"})
    assert edited.status_code == 200
    assert _approve(api, "Editor", trip) == 403
    assert _approve(api, "approver", trip) == 200


def test_whoever_wrote_the_draft_cannot_approve_it_though_another_submitted_it(api: Api) -> None:
    _key(api, "Editor", "trips:write", "trips:approve")
    trip = api.post_ok("writer", "/v1/trips", json=examples.trip())
    edited = api.as_("Editor").patch(
        f"/v1/trips/{trip['id']}", json={"purpose": "What the Editor wants approved, in full."}
    )
    assert edited.status_code == 200
    api.post_ok("writer", f"/v1/trips/{trip['id']}/submit")
    assert _approve(api, "Editor", trip) == 403
    assert api.events() == []
    assert _approve(api, "approver", trip) == 200


# ---- changes after approval wait for another holder ---------------------------------------


def _budget(amount: str) -> list[dict[str, Any]]:
    return [{"category": "other", "payer": "city", "amount": {"amount": amount, "currency": "EUR"}}]


def test_a_correction_of_costs_waits_for_another_holder(api: Api) -> None:
    _key(api, "Creator", "trips:write", "trips:approve")
    trip = api.post_ok("Creator", "/v1/trips", json=examples.trip())
    api.post_ok("Creator", f"/v1/trips/{trip['id']}/submit")
    approved = api.post_ok("approver", f"/v1/trips/{trip['id']}/approve")
    path = f"/v1/trips/{trip['id']}"
    body = {"changes": {"budget": _budget("9999999.00")}, "reason": "Typo in the budget."}
    proposed = api.post_ok("Creator", f"{path}/correct", json=body)
    assert proposed["budget_total"] == approved["budget_total"]
    assert proposed["pending_change"]["fields"] == ["budget"]

    # The public sees the approved trip and that a change waits, not the proposed values.
    seen = api.as_(None).get(path).json()
    assert seen["budget_total"] == approved["budget_total"]
    assert seen["pending_change"]["reason"] == "Typo in the budget."
    assert seen["pending_change"]["changes"] is None
    assert seen["pending_change"]["proposed_by"] is None
    published = api.events()
    assert [e["type"] for e in published] == ["trip.approved", "trip.change_pending"]
    assert published[-1]["data"]["fields"] == ["budget"]
    assert "9999999" not in str(published[-1]["data"])

    # Its proposer cannot approve it; one change at a time; another holder can.
    assert api.as_("Creator").post(f"{path}/change/approve").status_code == 403
    again = api.as_("Creator").post(f"{path}/correct", json=examples.CORRECT)
    assert again.status_code == 409
    review = api.as_("approver").get(path).json()["pending_change"]["changes"]
    assert review[0]["field"] == "budget"
    assert review[0]["after"][0]["amount"] == {"amount": "9999999.00", "currency": "EUR"}
    done = api.post_ok("approver", f"{path}/change/approve")
    assert done["budget_total"] == {"amount": "9999999.00", "currency": "EUR"}
    assert done["pending_change"] is None
    event = api.events()[-1]
    assert event["type"] == "trip.corrected"
    assert event["data"]["reason"] == "Typo in the budget."


def test_a_rejected_change_leaves_the_trip_as_approved_and_says_why(api: Api) -> None:
    trip = api.approved()
    path = f"/v1/trips/{trip['id']}"
    api.post_ok("writer", f"{path}/amend", json=examples.AMEND)
    rejected = api.post_ok("approver", f"{path}/change/reject", json=examples.REJECT)
    assert rejected["pending_change"] is None
    assert rejected["delegation_size"] == trip["delegation_size"]
    published = api.events()
    assert [e["type"] for e in published] == [
        "trip.approved",
        "trip.change_pending",
        "trip.change_rejected",
    ]
    assert published[-1]["data"]["reason"] == examples.REJECT["reason"]
    kinds = [e["kind"] for e in api.as_("private").get(f"{path}/history").json()["entries"]]
    assert kinds[-2:] == ["change_proposed", "change_rejected"]
    assert api.as_("approver").post(f"{path}/change/approve").status_code == 409


def test_the_proposers_holder_cannot_reject_its_change(api: Api) -> None:
    _key(api, "Finance office", "trips:write", "trips:approve")
    trip = api.approved()
    path = f"/v1/trips/{trip['id']}"
    body = {"changes": {"budget": _budget("10.00")}, "reason": "Budget typo."}
    api.post_ok("Finance office", f"{path}/correct", json=body)
    refused = api.as_("Finance office").post(f"{path}/change/reject", json=examples.REJECT)
    assert refused.status_code == 403, refused.text
    assert api.as_(None).get(path).json()["pending_change"]["fields"] == ["budget"]
    assert [e["type"] for e in api.events()] == ["trip.approved", "trip.change_pending"]
    api.post_ok("approver", f"{path}/change/reject", json=examples.REJECT)


# ---- private means private ----------------------------------------------------------------


def test_only_private_readers_see_private_fields_in_any_answer(api: Api) -> None:
    created = api.post_ok("writer", "/v1/trips", json=examples.trip())
    for answer in (
        created,
        api.as_("writer").patch(f"/v1/trips/{created['id']}", json={}).json(),
        api.as_("writer").get(f"/v1/trips/{created['id']}").json(),
    ):
        assert answer["private_notes"] is None
        assert answer["travellers"][1]["name"] is None
        assert answer["created_by"] is None
    private = api.as_("private").get(f"/v1/trips/{created['id']}").json()
    assert private["private_notes"] == examples.trip()["private_notes"]
    assert private["travellers"][1]["name"] == "Jorge Silva"
    history = api.as_("writer").get(f"/v1/trips/{created['id']}/history").json()["entries"]
    assert all(e["key_id"] is None and e["trip"]["private_notes"] is None for e in history)


def test_a_change_that_alters_nothing_changes_nothing(api: Api) -> None:
    draft = api.create()
    same = api.as_("writer").patch(f"/v1/trips/{draft['id']}", json={"title": draft["title"]})
    assert same.status_code == 200
    assert same.json()["version"] == draft["version"]
    trip = api.approved()
    path = f"/v1/trips/{trip['id']}"
    seen = api.as_(None).get(path).json()
    for body in (
        {"changes": {}, "reason": "Nothing."},
        {"changes": {"delegation_size": trip["delegation_size"]}, "reason": "The same."},
    ):
        refused = api.as_("writer").post(f"{path}/correct", json=body)
        assert refused.status_code == 422, refused.text
    assert api.as_(None).get(path).json()["version"] == seen["version"]
    assert len(api.as_("private").get(f"{path}/history").json()["entries"]) == 3
    assert [e["type"] for e in api.events()] == ["trip.approved"]


def test_a_change_of_private_fields_alone_leaves_no_public_trace(api: Api) -> None:
    trip = api.approved()
    path = f"/v1/trips/{trip['id']}"
    before = api.as_(None).get(f"{path}/history").json()["entries"]
    seen = api.as_(None).get(path)
    assert (seen.json()["version"], seen.headers["ETag"]) == (1, '"public-1"')
    body = {"changes": {"private_notes": "Visa granted."}, "reason": "Visa news."}
    corrected = api.post_ok("writer", f"{path}/correct", json=body)
    assert corrected["version"] == trip["version"] + 1
    assert api.as_(None).get(f"{path}/history").json()["entries"] == before
    assert [e["type"] for e in api.events()] == ["trip.approved"]
    notes = api.as_("private").get(path).json()["private_notes"]
    assert notes == "Visa granted."
    # Nothing the public reads moved: not the version, its date, nor the ETag.
    after = api.as_(None).get(path)
    assert after.json() == seen.json()
    assert after.headers["ETag"] == seen.headers["ETag"]
    # The next public change is the public's version 2, with no gap for the private one.
    body = {"changes": {"delegation_size": 3}, "reason": "A third traveller is counted."}
    api.post_ok("writer", f"{path}/correct", json=body)
    entries = api.as_(None).get(f"{path}/history").json()["entries"]
    assert [(e["version"], e["trip"]["version"]) for e in entries] == [(1, 1), (2, 2)]
    assert entries[1]["trip"]["updated_at"] == entries[1]["at"]
    now = api.as_(None).get(path)
    assert (now.json()["version"], now.headers["ETag"]) == (2, '"public-2"')
    assert now.json()["updated_at"] == entries[1]["at"]
    private = [e["version"] for e in api.as_("private").get(f"{path}/history").json()["entries"]]
    assert private == [1, 2, 3, 4, 5]


def test_a_name_protected_after_approval_is_never_republished(api: Api) -> None:
    trip = api.approved()
    path = f"/v1/trips/{trip['id']}"
    travellers = [{**t, "name_public": False} for t in examples.trip()["travellers"]]
    body = {"changes": {"travellers": travellers}, "reason": "A court protected the name."}
    corrected = api.post_ok("writer", f"{path}/correct", json=body)
    assert corrected["pending_change"] is None  # protecting a name takes effect at once
    event = api.events()[-1]
    assert event["type"] == "trip.corrected"
    assert "Ana Pereira" not in str(event["data"])
    assert "Ana Pereira" not in api.as_(None).get(f"{path}/history").text
    assert "Ana Pereira" not in api.as_(None).get(path).text
    assert "Ana Pereira" in api.as_("private").get(f"{path}/history").text


def test_a_protected_name_stays_hidden_after_it_leaves_the_record(api: Api) -> None:
    trip = api.approved()
    path = f"/v1/trips/{trip['id']}"
    travellers = examples.trip()["travellers"]
    protect = {"travellers": [{**travellers[0], "name_public": False}, travellers[1]]}
    reason = "A court protected the name."
    api.post_ok("writer", f"{path}/correct", json={"changes": protect, "reason": reason})
    # Then the traveller is replaced: the name is in no record any more, only in history.
    other = {**travellers[0], "name": "Rita Costa", "name_public": True}
    replace = {"travellers": [other, travellers[1]]}
    reason = "The deputy mayor travels instead."
    api.post_ok("writer", f"{path}/amend", json={"changes": replace, "reason": reason})
    api.post_ok("approver", f"{path}/change/approve")
    public = api.as_(None).get(f"{path}/history")
    assert "Rita Costa" in public.text
    assert "Ana Pereira" not in public.text
    assert "Ana Pereira" not in str(api.events()[-1])
    assert "Ana Pereira" in api.as_("private").get(f"{path}/history").text


def _protect_ana() -> list[dict[str, Any]]:
    travellers = examples.trip()["travellers"]
    return [{**travellers[0], "name_public": False}, travellers[1]]


def _ana_is_public(api: Api, path: str) -> bool:
    """Whether a reader without a key finds the mayor's name, on the trip or by search."""
    found = api.as_(None).get("/v1/trips", params={"traveller": "ana pereira"}).json()["trips"]
    return "Ana Pereira" in api.as_(None).get(path).text or bool(found)


def test_a_name_protected_with_a_change_that_waits_is_protected_at_once(api: Api) -> None:
    trip = api.approved()
    path = f"/v1/trips/{trip['id']}"
    changes = {"travellers": _protect_ana(), "budget": _budget("10.00")}
    body = {"changes": changes, "reason": "A court protected the name; budget typo."}
    proposed = api.post_ok("writer", f"{path}/correct", json=body)
    assert proposed["pending_change"]["fields"] == ["budget"]
    assert proposed["budget_total"] == trip["budget_total"]  # the budget waits
    assert not _ana_is_public(api, path)
    published = api.events()
    assert [e["type"] for e in published] == [
        "trip.approved",
        "trip.corrected",
        "trip.change_pending",
    ]
    assert "Ana Pereira" not in str(published[1:])
    # Rejecting the change leaves the name protected.
    api.post_ok("approver", f"{path}/change/reject", json=examples.REJECT)
    assert not _ana_is_public(api, path)
    assert api.as_("private").get(path).json()["travellers"][0]["name_public"] is False


def test_a_name_is_protected_at_once_while_another_change_waits(api: Api) -> None:
    trip = api.approved()
    path = f"/v1/trips/{trip['id']}"
    budget = {"changes": {"budget": _budget("10.00")}, "reason": "Budget typo."}
    api.post_ok("writer", f"{path}/correct", json=budget)
    protect = {"changes": {"travellers": _protect_ana()}, "reason": "A court order, today."}
    protected = api.post_ok("writer2", f"{path}/correct", json=protect)
    assert protected["pending_change"]["fields"] == ["budget"]  # still waits, as proposed
    assert not _ana_is_public(api, path)
    assert [e["type"] for e in api.events()][-1] == "trip.corrected"
    # Nothing else is taken while the change waits.
    other = {"changes": {"delegation_size": 3}, "reason": "A third traveller."}
    assert api.as_("writer").post(f"{path}/correct", json=other).status_code == 409
    # The change, once approved, keeps the protection.
    done = api.post_ok("approver", f"{path}/change/approve")
    assert done["budget_total"] == {"amount": "10.00", "currency": "EUR"}
    assert not _ana_is_public(api, path)
    assert api.as_("private").get(path).json()["travellers"][0]["name_public"] is False
    assert "Ana Pereira" not in str(api.events()[1:])


def test_making_a_protected_name_public_waits_for_another_holder(api: Api) -> None:
    trip = api.approved()
    travellers = [{**t, "name_public": True} for t in examples.trip()["travellers"]]
    body = {"changes": {"travellers": travellers}, "reason": "The protection ended."}
    proposed = api.post_ok("writer", f"/v1/trips/{trip['id']}/correct", json=body)
    assert proposed["pending_change"]["fields"] == ["travellers"]
    assert "Jorge Silva" not in api.as_(None).get(f"/v1/trips/{trip['id']}").text


# ---- dates that bind ----------------------------------------------------------------------


def _moved(days_ahead: int) -> dict[str, Any]:
    """An amendment that moves the whole trip to leave in ``days_ahead`` days."""
    soon = examples.trip(days_ahead=days_ahead)
    fields = ("departure_date", "return_date", "itinerary", "agenda")
    return {"changes": {f: soon[f] for f in fields}, "reason": "The host moved the dates."}


def test_a_change_that_moves_departure_to_short_notice_needs_a_justification(api: Api) -> None:
    trip = api.approved(days_ahead=60)
    path = f"/v1/trips/{trip['id']}"
    api.post_ok("writer", f"{path}/amend", json=_moved(2))
    refused = api.as_("approver").post(f"{path}/change/approve")
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["location"] == "body.urgency_justification"
    assert api.as_(None).get(path).json()["departure_date"] == trip["departure_date"]
    assert [e["type"] for e in api.events()] == ["trip.approved", "trip.change_pending"]
    why = "The host's minister can only meet this week."
    done = api.post_ok("approver", f"{path}/change/approve", json={"urgency_justification": why})
    assert (done["days_notice"], done["urgency_justification"]) == (2, why)
    assert done["approved_on"] == clock.today().isoformat()
    event = api.events()[-1]
    assert event["type"] == "trip.amended"
    assert event["data"]["trip"]["days_notice"] == 2
    assert event["data"]["trip"]["urgency_justification"] == why
    changed = {c["field"] for c in event["data"]["changes"]}
    assert {"departure_date", "days_notice", "urgency_justification"} <= changed


def test_a_justification_is_refused_where_no_departure_moves(api: Api) -> None:
    trip = api.approved(days_ahead=60)
    path = f"/v1/trips/{trip['id']}"
    api.post_ok("writer", f"{path}/amend", json=examples.AMEND)
    body = {"urgency_justification": "Not asked for."}
    refused = api.as_("approver").post(f"{path}/change/approve", json=body)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["location"] == "body.urgency_justification"
    done = api.post_ok("approver", f"{path}/change/approve")
    assert (done["days_notice"], done["urgency_justification"]) == (60, None)


def test_after_departure_only_corrections(api: Api) -> None:
    trip = api.approved(days_ahead=-3)
    path = f"/v1/trips/{trip['id']}"
    amend = api.as_("writer").post(f"{path}/amend", json=examples.AMEND)
    assert amend.status_code == 409
    assert "correct" in amend.json()["detail"]
    assert api.as_("writer").post(f"{path}/correct", json=examples.CORRECT).status_code == 200


def test_a_trip_that_departed_cannot_be_cancelled_and_its_report_stays_due(api: Api) -> None:
    late = api.approved(days_ahead=-45)
    assert late["report_overdue"] is True
    refused = api.as_("writer").post(f"/v1/trips/{late['id']}/cancel", json=examples.CANCEL)
    assert refused.status_code == 409
    overdue = api.as_(None).get("/v1/trips", params={"overdue": "true"}).json()["trips"]
    assert [t["id"] for t in overdue] == [late["id"]]
    assert [e["type"] for e in api.events()] == ["trip.approved"]


def _dates(days_ahead: int) -> dict[str, Any]:
    """A correction of a trip's dates (with its itinerary and agenda) to ``days_ahead``."""
    moved = examples.trip(days_ahead=days_ahead)
    return {
        "changes": {k: moved[k] for k in ("departure_date", "return_date", "itinerary", "agenda")},
        "reason": "wrong dates",
    }


def test_a_correction_cannot_move_a_departed_trip_into_the_future_to_cancel_it(
    api: Api,
) -> None:
    late = api.approved(days_ahead=-70)
    path = f"/v1/trips/{late['id']}"
    assert late["report_overdue"] is True
    refused = api.as_("writer").post(f"{path}/correct", json=_dates(300))
    assert refused.status_code == 409, refused.text
    assert "has not come" in refused.json()["detail"]
    assert refused.json()["errors"][0]["location"] == "body.changes.departure_date"
    cancel = api.as_("writer").post(f"{path}/cancel", json=examples.CANCEL)
    assert cancel.status_code == 409
    kept = api.as_(None).get(path).json()
    assert (kept["status"], kept["report_overdue"]) == ("approved", True)
    assert [e["type"] for e in api.events()] == ["trip.approved"]
    # Dates that were wrong are still corrected, to days that have passed.
    api.post_ok("writer", f"{path}/correct", json=_dates(-60))
    late_notice = {"urgency_justification": "Recorded after the fact."}
    done = api.post_ok("approver", f"{path}/change/approve", json=late_notice)
    assert done["departure_date"] == _dates(-60)["changes"]["departure_date"]


def test_a_correction_proposed_before_departure_cannot_move_it_past_after_departure(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    trip = api.approved(days_ahead=5)
    path = f"/v1/trips/{trip['id']}"
    api.post_ok("writer", f"{path}/correct", json=_dates(40))  # waits for another holder
    later = clock.today() + timedelta(days=10)  # the trip has left meanwhile
    for module in ("steps", "revisions"):
        monkeypatch.setattr(f"trips_api.trips.service.{module}.today", lambda: later)
    refused = api.as_("approver").post(f"{path}/change/approve")
    assert refused.status_code == 409, refused.text
    assert "has not come" in refused.json()["detail"]
    assert api.as_(None).get(path).json()["departure_date"] == trip["departure_date"]
    cancel = api.as_("writer").post(f"{path}/cancel", json=examples.CANCEL)
    assert cancel.status_code == 409


def test_a_trip_that_departed_as_approved_is_not_cancelled_whatever_its_record_says_now(
    api: Api,
) -> None:
    """A record moved into the future after departure (as a correction could, before that was
    refused) does not reopen cancellation: the dates in force when it left count."""
    late = api.approved(days_ahead=-70)
    future = clock.today() + timedelta(days=300)
    with Session(api.app.state.engine) as session:
        session.connection().execute(
            text("UPDATE trip SET departure_date = :day WHERE id = :id"),
            {"day": future, "id": late["id"]},
        )
        session.commit()
    cancel = api.as_("writer").post(f"/v1/trips/{late['id']}/cancel", json=examples.CANCEL)
    assert cancel.status_code == 409, cancel.text
    assert "as approved then" in cancel.json()["detail"]
    assert [e["type"] for e in api.events()] == ["trip.approved"]


def test_an_amendment_still_pending_at_departure_cannot_take_effect(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    trip = api.approved(days_ahead=5)
    path = f"/v1/trips/{trip['id']}"
    api.post_ok("writer", f"{path}/amend", json=examples.AMEND)  # waits for another holder
    later = clock.today() + timedelta(days=10)  # the trip has left meanwhile
    monkeypatch.setattr("trips_api.trips.service.steps.today", lambda: later)
    refused = api.as_("approver").post(f"{path}/change/approve")
    assert refused.status_code == 409, refused.text
    assert "correct" in refused.json()["detail"]
    assert api.as_(None).get(path).json()["delegation_size"] == 2  # as approved
    assert [e["type"] for e in api.events()] == ["trip.approved", "trip.change_pending"]
    rejected = {"reason": "The delegation left as it was."}
    api.post_ok("approver", f"{path}/change/reject", json=rejected)
