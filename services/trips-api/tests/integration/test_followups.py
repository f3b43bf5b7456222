"""Updating a follow-up: a due date moves only with the reason why."""

from trips_api.testing import Api


def test_a_new_due_date_needs_a_note(api: Api) -> None:
    trip = api.reported()
    path = f"/v1/trips/{trip['id']}/followups/f1"
    due = trip["followups"][0]["due_date"]
    later = f"{int(due[:4]) + 1}{due[4:]}"
    reporter = api.as_("reporter")

    silent = reporter.patch(path, json={"due_date": later})
    assert silent.status_code == 422
    assert silent.headers["content-type"] == "application/problem+json"
    assert [e["location"] for e in silent.json()["errors"]] == ["body.note"]

    moved = reporter.patch(path, json={"due_date": later, "note": "The partner asked for a year."})
    assert moved.status_code == 200, moved.text
    assert moved.json()["followups"][0]["due_date"] == later
    history = api.as_("private").get(f"/v1/trips/{trip['id']}/history").json()["entries"]
    assert history[-1]["reason"] == "The partner asked for a year."


def test_a_status_change_or_an_unchanged_due_date_needs_no_note(api: Api) -> None:
    trip = api.reported()
    path = f"/v1/trips/{trip['id']}/followups/f1"
    due = trip["followups"][0]["due_date"]
    same = api.as_("reporter").patch(path, json={"status": "in_progress", "due_date": due})
    assert same.status_code == 200, same.text
    assert same.json()["followups"][0]["status"] == "in_progress"


def test_the_rule_is_in_the_openapi_document(api: Api) -> None:
    spec = api.as_(None).get("/openapi.json").json()
    operation = spec["paths"]["/v1/trips/{trip_id}/followups/{followup_id}"]["patch"]
    assert "`body.note`" in operation["description"]
    note = spec["components"]["schemas"]["FollowupUpdate"]["properties"]["note"]
    assert "due_date" in note["description"]


def test_a_status_or_due_date_may_be_left_out_but_not_sent_as_null(api: Api) -> None:
    trip = api.reported()
    path = f"/v1/trips/{trip['id']}/followups/f1"
    for field in ("status", "due_date"):
        refused = api.as_("reporter").patch(path, json={field: None, "note": "Cleared."})
        assert refused.status_code == 422, refused.text
        assert [e["location"] for e in refused.json()["errors"]] == [f"body.{field}"]
    assert api.as_(None).get(f"/v1/trips/{trip['id']}").json()["followups"] == trip["followups"]
    schema = api.as_(None).get("/openapi.json").json()["components"]["schemas"]["FollowupUpdate"]
    assert "anyOf" not in schema["properties"]["status"]  # null is no status


def test_a_done_or_dropped_follow_up_stays_so(api: Api) -> None:
    trip = api.reported()
    path = f"/v1/trips/{trip['id']}/followups/f1"
    evidence = "https://city.example/minutes/42"
    api.as_("reporter").patch(path, json={"status": "done", "evidence": evidence})
    for body in ({"status": "open", "evidence": None}, {"status": "dropped"}):
        refused = api.as_("reporter").patch(path, json=body)
        assert refused.status_code == 409, refused.text
        assert "/followups" in refused.json()["detail"]  # the way to record it anew
    [followup] = api.as_(None).get(f"/v1/trips/{trip['id']}").json()["followups"]
    assert (followup["status"], followup["evidence"]) == ("done", evidence)
    updates = [e for e in api.events() if e["type"] == "followup.updated"]
    assert [e["data"]["followup"]["status"] for e in updates] == ["done"]
    # Its evidence is not taken back, and changes only with the reason why.
    refused = api.as_("reporter").patch(path, json={"evidence": None})
    assert refused.status_code == 409, refused.text
    other = "https://city.example/minutes/43"
    silent = api.as_("reporter").patch(path, json={"evidence": other})
    assert silent.status_code == 422, silent.text
    assert [e["location"] for e in silent.json()["errors"]] == ["body.note"]
    note = "The minutes were renumbered."
    moved = api.as_("reporter").patch(path, json={"evidence": other, "note": note})
    assert moved.status_code == 200, moved.text
    [followup] = api.as_(None).get(f"/v1/trips/{trip['id']}").json()["followups"]
    assert (followup["status"], followup["evidence"]) == ("done", other)
