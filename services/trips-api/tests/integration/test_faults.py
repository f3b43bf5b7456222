"""A body with several faults gets all of them in one 422, each at its exact location."""

from datetime import date, timedelta

import pytest

from trips_api.testing import Api
from trips_api.trips import examples

# Faults in a body are found before any database is asked; this runs on SQLite.
pytestmark = pytest.mark.backends("sqlite")


def _day_before(day: str) -> str:
    return (date.fromisoformat(day) - timedelta(days=1)).isoformat()


def test_schema_rules_and_registry_faults_come_in_one_answer(api: Api) -> None:
    trip = examples.trip()
    body = {
        **trip,
        "networks": ["Eurocities", ""],  # the schema: a name is never empty
        "lead_department": "harbour",  # the registry: no such department
        "departments": ["mobility", "parks"],
        "return_date": _day_before(trip["departure_date"]),  # a rule between fields
        "sdg_targets": ["11.2", "11.9"],  # a rule on the catalogue
    }
    response = api.as_("writer").post("/v1/trips", json=body)
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "/problems/invalid-input"
    locations = [e["location"] for e in problem["errors"]]
    assert {
        "body.networks[1]",
        "body.lead_department",
        "body.departments[1]",
        "body.return_date",
        "body.sdg_targets[1]",
    } <= set(locations)
    assert "body.departments[0]" not in locations  # mobility is in the registry
    assert len(locations) == len(set(locations))  # each fault once


def test_a_valid_schema_with_unknown_departments_and_rates_gets_every_fault(api: Api) -> None:
    body = {
        **examples.trip(),
        "departments": ["parks", "mobility", "harbour"],
        "budget": [
            {"category": "other", "payer": "city", "amount": {"amount": "10", "currency": "JPY"}}
        ],
    }
    response = api.as_("writer").post("/v1/trips", json=body)
    assert response.status_code == 422
    locations = [e["location"] for e in response.json()["errors"]]
    assert locations == [
        "body.departments[0]",
        "body.departments[2]",
        "body.budget[0].exchange_rate",
    ]


def test_an_amendment_with_several_faults_names_each(api: Api) -> None:
    trip = api.approved()
    changes = {
        "return_date": _day_before(trip["departure_date"]),
        "sdg_targets": ["99.1"],
        "departments": ["harbour"],
    }
    response = api.as_("writer").post(
        f"/v1/trips/{trip['id']}/amend", json={"changes": changes, "reason": "Plans changed."}
    )
    assert response.status_code == 422
    locations = {e["location"] for e in response.json()["errors"]}
    assert {
        "body.changes.return_date",
        "body.changes.sdg_targets[0]",
        "body.changes.departments[0]",
    } <= locations
