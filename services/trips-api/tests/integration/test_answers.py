"""A write's answer is the trip as the writing key reads it next: the answer is made from
the view its step kept (``disclosure.as_seen``), the read from the trip itself, and what a
key may not see stays out of both."""

from typing import Any

from sqlmodel import Session

from trips_api.keys import service as keys_service
from trips_api.testing import Api
from trips_api.trips import examples


def _key(api: Api, holder: str, *scopes: str) -> None:
    with Session(api.app.state.engine) as session:
        api.keys[holder] = keys_service.create(session, holder, list(scopes), holder=holder)[1]
        session.commit()


def _same_as_read(api: Api, role: str, path: str, **kwargs: Any) -> dict[str, Any]:
    """POST as ``role``; its answer must be what ``role`` reads of the trip right after."""
    answer = api.post_ok(role, path, **kwargs)
    trip = path.removeprefix("/v1/trips/").split("/")[0] if path != "/v1/trips" else answer["id"]
    read = api.as_(role).get(f"/v1/trips/{trip}").json()
    assert answer == read, f"{role} {path}"
    return answer


def test_every_answer_is_what_its_key_reads_next(api: Api) -> None:
    _key(api, "Office", "trips:write", "trips:read-private")
    travellers = [{**t, "name_public": False} for t in examples.trip()["travellers"]]
    body = {**examples.trip(days_ahead=-10), "travellers": travellers}
    for role in ("writer", "Office"):
        created = _same_as_read(api, role, "/v1/trips", json=body)
        path = f"/v1/trips/{created['id']}"
        _same_as_read(api, role, f"{path}/submit")
        urgent = {"urgency_justification": "Recorded after the fact."}
        _same_as_read(api, "approver", f"{path}/approve", json=urgent)
        budget = [
            {"category": "other", "payer": "city", "amount": {"amount": "9.00", "currency": "EUR"}}
        ]
        change = {"changes": {"budget": budget}, "reason": "Typo in the budget."}
        pending = _same_as_read(api, role, f"{path}/correct", json=change)
        assert pending["pending_change"]["fields"] == ["budget"]
        _same_as_read(api, "reporter", f"{path}/complete", json=examples.COMPLETE)
        _same_as_read(api, "admin", f"{path}/change/approve")

        # What only private readers see: in the answers of the key that may, not the other's.
        mine = api.as_(role).get(path).json()
        if role == "Office":
            assert mine["private_notes"] == examples.trip()["private_notes"]
            assert all(t["name"] for t in mine["travellers"])
            assert mine["created_by"] is not None
        else:
            assert mine["private_notes"] is None
            assert not any(t["name"] for t in mine["travellers"])
            assert mine["created_by"] is None
