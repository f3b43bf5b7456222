"""Folding entries into a trip's typed state, including data off the public contract."""

import uuid
from typing import Any

import orjson

from notifier.ingest import fold
from notifier.publish.models import States, TripState, TripView
from notifier.testing import life, snapshot
from periplus.public import FollowupStatus

TRIP = str(uuid.UUID(int=1))


def _fold(entries: list[dict[str, Any]], state: TripState | None = None) -> TripState:
    state = state or TripState()
    for index, entry in enumerate(entries):
        state = fold.apply(state, index, entry["type"], entry["occurred_at"], entry["data"])
    return state


def _entry(type_: str, data: object, at: str = "2026-05-01T09:00:00.000Z") -> dict[str, Any]:
    return {"type": type_, "occurred_at": at, "data": data}


def test_a_whole_life_folds_into_public_models() -> None:
    state = _fold(life(TRIP))
    assert state.trip is not None
    assert state.trip.itinerary[0].city == "Quito"
    assert (state.reference, state.title, state.departure_date) == (
        "MVD-2026-0001",
        "Study visit MVD-2026-0001",
        "2026-03-10",
    )
    assert [a.reason for a in state.amendments] == ["The host added a depot visit."]
    assert state.amendments[0].changes[0].field == "agenda"
    assert state.completed is not None
    assert state.completed.actual_total.amount == "4000.00"
    assert state.report is not None
    assert state.report.results[1].achieved == "partly"
    assert [f.status for f in state.followups] == [FollowupStatus.OPEN, FollowupStatus.DONE]
    assert (state.approved_index, state.unvalidated) == (0, [])


def test_apply_leaves_the_state_it_was_given_as_it_was() -> None:
    before = _fold(life(TRIP)[:1])
    stored = before.stored_data()
    after = fold.apply(before, 1, "trip.cancelled", "2026-03-01T00:00:00Z", {"reason": "Strike"})
    assert after.cancelled is not None
    assert after.cancelled.reason == "Strike"
    assert before.stored_data() == stored


def test_an_odd_amendment_keeps_the_trip_as_approved_and_is_marked() -> None:
    approved = _fold(life(TRIP)[:1])
    odd = {
        "trip": {**snapshot(), "departments": 5},
        "changes": [{"field": "departments", "before": [], "after": 5}, "not a change"],
        "reason": "Merged departments.",
    }
    state = fold.apply(approved, 7, "trip.amended", "2026-03-01T00:00:00Z", odd)
    assert state.trip == approved.trip
    assert state.unvalidated == [7]
    (amendment,) = state.amendments
    assert (amendment.index, amendment.reason) == (7, "Merged departments.")
    assert [c.field for c in amendment.changes] == ["departments"]


def test_an_odd_report_folds_the_parts_that_validate() -> None:
    reported = _fold(life(TRIP)[:4])
    good = reported.followups[0].model_dump(mode="json")
    odd = {"report": "see the minutes", "followups": [good, {"id": "f9", "status": "lost"}]}
    state = fold.apply(reported, 9, "trip.reported", "2026-04-01T00:00:00Z", odd)
    assert state.report == reported.report
    assert [f.id for f in state.followups] == ["f1"]
    assert (state.reported_at, state.unvalidated) == ("2026-04-01T00:00:00Z", [9])


def test_data_that_is_no_mapping_at_all_is_marked_and_changes_nothing_else() -> None:
    approved = _fold(life(TRIP)[:1])
    for index, data in enumerate(([1, 2], None, "text"), 1):
        state = fold.apply(approved, index, "trip.completed", "2026-03-20T00:00:00Z", data)
        assert state.completed is None
        assert state.unvalidated == [index]
        assert state.trip == approved.trip


def test_a_flat_record_off_the_contract_keeps_its_headline_and_year() -> None:
    flat = {
        "reference": "MVD-2025-0007",
        "title": "Older flat record",
        "destination": {"country": "FR", "city": "Chartres"},
        "departure_date": "2025-10-01",
        "departments": ["Culture"],
    }
    state = _fold([_entry("trip.approved", flat)])
    assert state.trip is None
    assert (state.reference, state.title, state.departure_date) == (
        "MVD-2025-0007",
        "Older flat record",
        "2025-10-01",
    )
    assert state.unvalidated == [0]
    assert fold.facets(state) == {("year", "2025")}


def test_a_followup_update_replaces_its_own_id_or_is_added() -> None:
    reported = _fold(life(TRIP)[:4])
    done = {**reported.followups[0].model_dump(mode="json"), "status": "done"}
    new = {**done, "id": "f3", "commitment": "Publish the charging plan"}
    state = _fold(
        [
            _entry("followup.updated", {"reference": "MVD-2026-0001", "followup": done}),
            _entry("followup.updated", {"reference": "MVD-2026-0001", "followup": new}),
        ],
        reported,
    )
    assert [(f.id, f.status) for f in state.followups] == [
        ("f1", FollowupStatus.DONE),
        ("f2", FollowupStatus.OPEN),
        ("f3", FollowupStatus.DONE),
    ]


def test_a_pending_change_waits_until_rejected_and_a_withholding_is_kept() -> None:
    pending = {"reference": "R", "kind": "amended", "fields": ["agenda"], "reason": "New visit"}
    rejected = {**pending, "reason": "No budget"}
    state = _fold(
        [
            *life(TRIP)[:1],
            _entry("trip.change_pending", pending),
            _entry("trip.change_rejected", rejected),
            _entry("entry.withheld", {"index": 1, "reason": 5, "legal_basis": "Art. 7"}),
        ]
    )
    assert state.pending_change is None
    assert [(r.index, r.fields, r.reason) for r in state.rejected_changes] == [
        (2, ["agenda"], "No budget")
    ]
    (held,) = state.withheld
    assert (held.index, held.reason, held.legal_basis, held.notice_index) == (1, None, "Art. 7", 3)
    assert state.unvalidated == []


def test_facets_name_departments_goals_countries_travellers_and_year() -> None:
    state = _fold(life(TRIP)[:1])
    assert fold.facets(state) == {
        ("department", "International Relations"),
        ("department", "Mobility"),
        ("sdg", "11"),
        ("sdg", "13"),
        ("country", "EC"),
        ("traveller", "Ana Pérez"),
        ("traveller", "Adviser 1"),
        ("year", "2026"),
    }


def test_a_state_stored_before_it_was_typed_reads_without_its_odd_parts() -> None:
    """The untyped fold kept an odd entry's raw data; such a row still reads, each part
    off the contract as absent and each odd item of a list left out."""
    full = _fold(life(TRIP))
    whole = full.stored_data()
    stored = {
        **whole,
        "trip": {"title": "Older flat record", "itinerary": [{"city": "Chartres"}]},
        "report": "?",
        "followups": [*(f.model_dump(mode="json") for f in full.followups), {"id": "f9"}],
        "unknown": True,
    }
    stored.pop("title")
    state = TripState.stored(stored)
    assert (state.trip, state.report, state.title) == (None, None, "")
    assert [f.id for f in state.followups] == ["f1", "f2"]
    assert state.completed is not None
    assert state.completed.actual_total.amount == "4000.00"
    assert TripState.stored(whole) == full


def test_stored_data_leaves_out_absent_parts_and_reads_back_the_same() -> None:
    state = _fold(life(TRIP)[:1])
    data = state.stored_data()
    assert not {"report", "cancelled", "unvalidated", "amendments"} & set(data)
    assert data["approved_index"] == 0
    assert TripState.stored(data) == state


def test_stored_json_is_the_stored_data_as_json() -> None:
    for end in range(1, len(life(TRIP)) + 1):
        state = _fold(life(TRIP)[:end])
        assert orjson.loads(orjson.dumps(state.stored_json())) == state.stored_data()


def test_states_validate_a_trip_once_per_change_and_again_when_it_changes() -> None:
    entries = life(TRIP)
    first = _fold(entries[:1]).stored_data()
    view = TripView(
        trip_id=TRIP,
        reference="",
        title="",
        status="approved",
        departure_date="",
        data=first,
        last_index=0,
        updated_at="",
    )
    states = States()
    seen = states.of(view)
    assert seen.reference == "MVD-2026-0001"
    assert states.of(view) is seen  # the same index: not validated again
    view.data, view.last_index = _fold(entries).stored_data(), len(entries) - 1
    changed = states.of(view)
    assert changed is not seen
    assert changed.report is not None
    assert seen.report is None
