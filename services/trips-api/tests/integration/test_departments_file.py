"""The department registry a city keeps as a file, loaded at every start."""

import json
from pathlib import Path
from typing import Any

import pytest

from trips_api.departments.registry import RegistryFileError, read
from trips_api.testing import make_settings, serve
from trips_api.trips import examples

DEMO = Path(__file__).parents[2] / "departments.demo.json"


def _registry(listed: list[dict[str, Any]]) -> dict[str, tuple[str, bool]]:
    return {d["code"]: (d["name"], d["active"]) for d in listed}


def test_the_file_fills_the_registry_and_a_restart_brings_it_in_line(
    database_url: str, tmp_path: Path
) -> None:
    file = tmp_path / "departments.json"
    file.write_text(
        json.dumps(
            [
                {"code": "mobility", "name": "Mobility"},
                {"code": "international-relations", "name": "International Relations"},
            ]
        )
    )
    settings = make_settings(database_url, departments_file=file)
    for api in serve(settings, departments=False):
        listed = api.as_(None).get("/v1/departments").json()["departments"]
        assert _registry(listed) == {
            "mobility": ("Mobility", True),
            "international-relations": ("International Relations", True),
        }
        api.post_ok("admin", "/v1/departments", json={"code": "housing", "name": "Housing"})
        api.create()  # the example trip names departments the file brought
    # The same file again changes nothing; a renamed and a retired code follow the file.
    for api in serve(settings, departments=False):
        assert api.as_(None).get("/v1/departments/mobility").headers["ETag"] == '"1"'
    file.write_text(
        "code,name,active\n"
        "mobility,Mobility and Transport,\n"
        "international-relations,International Relations,false\n"
    )
    file = file.rename(tmp_path / "departments.csv")
    for api in serve(make_settings(database_url, departments_file=file), departments=False):
        listed = api.as_(None).get("/v1/departments").json()["departments"]
        assert _registry(listed) == {
            "mobility": ("Mobility and Transport", True),
            "international-relations": ("International Relations", False),
            "housing": ("Housing", True),  # added over the API; the file does not list it
        }
        refused = api.as_("writer").post("/v1/trips", json=examples.trip())
        assert refused.status_code == 422  # it names the retired department


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ('[{"code": "Mobility", "name": "Mobility"}]', "entry 0.code"),
        ('[{"code": "mobility", "name": "Mobility", "budget": 1}]', "entry 0.budget"),
        ('[{"code": "a", "name": "A"}, {"code": "a", "name": "B"}]', "codes listed twice: a"),
        ("[{", "not valid JSON"),
    ],
)
def test_a_bad_file_is_refused_naming_the_fault(tmp_path: Path, text: str, fault: str) -> None:
    file = tmp_path / "departments.json"
    file.write_text(text)
    with pytest.raises(RegistryFileError, match=fault.replace(".", r"\.")):
        read(file)


def test_the_demo_file_holds_every_department_the_examples_name() -> None:
    codes = {e.code for e in read(DEMO)}
    trip = examples.trip()
    assert {trip["lead_department"], *trip["departments"]} <= codes
    assert {f["owner_department"] for f in examples.REPORT["followups"]} <= codes
    assert "housing" not in codes  # the POST /v1/departments example adds it
