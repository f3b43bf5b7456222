"""The script a city would copy runs as it is against a real server."""

import importlib.util
from pathlib import Path

import pytest

from trips_api.testing import Api

# What this module checks is the same on every database; it runs on SQLite.
pytestmark = pytest.mark.backends("sqlite")

SCRIPT = Path(__file__).parents[4] / "examples" / "city_system.py"


def test_the_city_system_example_records_a_trip_through_its_report(api: Api) -> None:
    spec = importlib.util.spec_from_file_location("city_system", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    keys = {role: api.keys[role] for role in ("writer", "approver", "reporter", "admin")}
    trip = module.run(api.url, keys)
    assert trip["status"] == "reported"
    assert trip["actual_city_share"] == {"amount": "938.20", "currency": "EUR"}
    assert [e["type"] for e in api.events()] == ["trip.approved", "trip.completed", "trip.reported"]
