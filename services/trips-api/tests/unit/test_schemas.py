"""Request validation: what a trip may say, before any database is involved."""

from typing import Any

import pytest
from pydantic import ValidationError

from periplus.problems import location
from trips_api.deps import check_if_match
from trips_api.trips import examples
from trips_api.trips.disclosure import changes
from trips_api.trips.normalise import distinct_departments
from trips_api.trips.schemas.requests import TripFields, TripPatch


def _trip(**overrides: Any) -> TripFields:
    return TripFields.model_validate({**examples.trip(), **overrides})


def test_the_example_is_valid_and_normalised() -> None:
    trip = _trip(sdg_goals=[], sdg_targets=["17.17", "11.a", "11.2"])
    assert trip.sdg_goals == [11, 17]  # goals follow from targets
    assert trip.sdg_targets == ["11.2", "11.a", "17.17"]  # catalogue order


def test_outcome_ids_are_assigned_without_clashing() -> None:
    trip = _trip(expected_outcomes=[{"text": "First"}, {"id": "o1", "text": "Second"}])
    assert [o.id for o in trip.expected_outcomes] == ["o2", "o1"]


def test_the_lead_department_is_not_repeated_among_the_others() -> None:
    trip = _trip(departments=["international-relations", "mobility", "mobility"])
    others = distinct_departments(trip.lead_department, trip.departments)
    assert others == ["mobility"]


def test_every_fault_of_a_trip_is_found_at_once_each_where_it_is() -> None:
    sent = {
        **examples.trip(),
        "return_date": "2000-01-01",
        "sdg_targets": ["11.2", "11.9"],
        "networks": [""],
    }
    with pytest.raises(ValidationError) as refused:
        TripFields.model_validate(sent)
    found = {location(["body", *e["loc"]]) for e in refused.value.errors()}
    assert {"body.networks[0]", "body.return_date", "body.sdg_targets[1]"} <= found


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"sdg_targets": ["11.9"]}, "not an SDG target"),
        ({"sdg_goals": [18]}, "less than or equal to 17"),
        ({"delegation_size": 1}, "smaller than the number of travellers"),
        ({"title": "Nul\x00byte"}, "control characters"),
        ({"delegation_size": "3"}, "valid integer"),  # no type is guessed from a string
        ({"sdg_goals": ["11"]}, "valid integer"),
        ({"travellers": [{**examples.trip()["travellers"][0], "elected": "yes"}]}, "valid boolean"),
        ({"title": "Next\x85line"}, "control characters"),  # C1
        ({"title": "Two\u2028lines"}, "line breaks"),
        ({"title": "Visit to \u202eotiuQ"}, "invisible"),  # shown reversed
        ({"travellers": [{**examples.trip()["travellers"][0], "name": "Ana\u200b"}]}, "invisible"),
        ({"purpose": "A paragraph\u2029and another"}, "invisible formatting"),
        ({"purpose": "\ufeffMarked"}, "invisible formatting"),
        ({"purpose": "Lone \ud800 surrogate"}, "unicode"),
        (
            {
                "itinerary": [
                    {"country": "XX", "city": "A", "arrive": "2027-01-01", "depart": "2027-01-02"}
                ]
            },
            "ISO 3166",
        ),
        ({"departure_date": "9999-12-31"}, "between the years"),
        ({"expected_outcomes": [{"id": "o1", "text": "a"}, {"id": "o1", "text": "b"}]}, "repeat"),
        ({"agenda": [{**examples.trip()["agenda"][0], "date": "2000-01-01"}]}, "outside"),
        (
            {
                "budget": [
                    {
                        "category": "other",
                        "payer": "city",
                        "amount": {"amount": "1e3", "currency": "EUR"},
                    }
                ]
            },
            "pattern",
        ),
    ],
)
def test_bad_trips_are_refused_with_a_reason(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        _trip(**overrides)


def test_words_of_every_script_and_line_feeds_are_text() -> None:
    trip = _trip(
        title="Visita a Bogotá: mobilidade, 交通, النقل",
        purpose="First line.\nSecond: क्षि and می\u200cخواهم (joiners stay).",
    )
    assert "\u200c" in str(trip.purpose)


def test_a_patch_knows_which_fields_it_sets() -> None:
    patch = TripPatch.model_validate({"title": "New", "host_organisation": None})
    assert patch.given() == {"title": "New", "host_organisation": None}


def test_changes_name_each_differing_field() -> None:
    found = changes({"a": 1, "b": [1], "c": "x"}, {"a": 1, "b": [1, 2], "d": "y"})
    assert [(c.field, c.before, c.after) for c in found] == [
        ("b", [1], [1, 2]),
        ("c", "x", None),
        ("d", None, "y"),
    ]


def test_if_match_accepts_the_current_tag_a_list_or_a_star() -> None:
    check_if_match(None, '"3"')
    check_if_match('"3"', '"3"')
    check_if_match('"2", W/"3"', '"3"')
    check_if_match("*", '"3"')
    with pytest.raises(Exception, match="changed since"):
        check_if_match('"2"', '"3"')
