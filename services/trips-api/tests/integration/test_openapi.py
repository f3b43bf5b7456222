"""The OpenAPI document: every example is accepted as it is, and fuzzing finds no 500."""

import contextlib
import os
from collections.abc import Callable
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode, checks
from schemathesis.core.result import Err
from schemathesis.errors import FailureGroup

from trips_api.testing import DEPARTMENTS, Api, make_settings, serve
from trips_api.trips import examples

# What this module checks is the same on every database; it runs on SQLite.
pytestmark = pytest.mark.backends("sqlite")


def _example(document: dict[str, Any], operation: dict[str, Any]) -> Any:
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    refs = [schema, *schema.get("anyOf", [])]
    ref = next(s["$ref"] for s in refs if "$ref" in s)
    component = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert component.get("examples"), f"{ref} has no example"
    return component["examples"][0]


def _setups(api: Api) -> dict[tuple[str, str], Callable[[], dict[str, str]]]:
    """For each operation with a body: a resource in the state the example needs."""

    def trip(make: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, str]]:
        return lambda: {"trip_id": make()["id"]}

    def submitted() -> dict[str, Any]:
        return api.post_ok("writer", f"/v1/trips/{api.create()['id']}/submit")

    def pending() -> dict[str, Any]:
        trip = api.approved()
        return api.post_ok("writer", f"/v1/trips/{trip['id']}/amend", json=examples.AMEND)

    def moved() -> dict[str, Any]:
        """A change of the departure date waits: its approval takes a justification."""
        trip, soon = api.approved(), examples.trip(days_ahead=5)
        fields = ("departure_date", "return_date", "itinerary", "agenda")
        body = {"changes": {f: soon[f] for f in fields}, "reason": "The host moved the dates."}
        return api.post_ok("writer", f"/v1/trips/{trip['id']}/amend", json=body)

    return {
        ("post", "/v1/departments"): dict,
        ("patch", "/v1/departments/{code}"): lambda: {"code": "international-relations"},
        ("post", "/v1/keys"): dict,
        ("post", "/v1/trips"): dict,
        ("patch", "/v1/trips/{trip_id}"): trip(api.create),
        ("post", "/v1/trips/{trip_id}/approve"): trip(submitted),
        ("post", "/v1/trips/{trip_id}/amend"): trip(api.approved),
        ("post", "/v1/trips/{trip_id}/correct"): trip(api.approved),
        ("post", "/v1/trips/{trip_id}/cancel"): trip(api.approved),
        ("post", "/v1/trips/{trip_id}/change/approve"): trip(moved),
        ("post", "/v1/trips/{trip_id}/change/reject"): trip(pending),
        ("post", "/v1/trips/{trip_id}/complete"): trip(lambda: api.approved(days_ahead=-10)),
        ("post", "/v1/trips/{trip_id}/report"): trip(api.completed),
        ("patch", "/v1/trips/{trip_id}/followups/{followup_id}"): lambda: {
            "trip_id": api.reported()["id"],
            "followup_id": "f1",
        },
        ("post", "/v1/trips/{trip_id}/costs/correct"): trip(api.completed),
        ("post", "/v1/trips/{trip_id}/report/correct"): trip(api.reported),
        ("post", "/v1/trips/{trip_id}/followups"): trip(api.reported),
        ("post", "/v1/trips/{trip_id}/followups/{followup_id}/correct"): lambda: {
            "trip_id": api.reported()["id"],
            "followup_id": "f1",
        },
    }


def test_every_request_body_example_is_accepted_as_it_is(database_url: str) -> None:
    for api in serve(make_settings(database_url), departments=False):
        document = api.as_(None).get("/openapi.json").json()
        setups = _setups(api)
        with_bodies = [
            (method, path, operation)
            for path, item in document["paths"].items()
            for method, operation in item.items()
            if "requestBody" in operation
        ]
        assert {(m, p) for m, p, _ in with_bodies} == set(setups), "an operation lacks a setup"
        for method, path, operation in with_bodies:  # departments first: trips name them
            if path == "/v1/departments" and method == "post":
                example = _example(document, operation)
                api.post_ok("admin", path, json=example)
                for code, name in DEPARTMENTS:
                    api.post_ok("admin", path, json={"code": code, "name": name})
        for method, path, operation in with_bodies:
            if (method, path) == ("post", "/v1/departments"):
                continue
            example = _example(document, operation)
            params = setups[(method, path)]()
            role = "admin" if "departments" in path or "keys" in path else _role(path)
            response = api.as_(role).request(method, path.format(**params), json=example)
            assert response.status_code in (200, 201), (method, path, response.text)


def test_the_trip_recorded_after_the_fact_goes_through_its_whole_life_as_pasted(
    api: Api,
) -> None:
    """The named examples of `POST /v1/trips`, then every later step's own example."""
    document = api.as_(None).get("/openapi.json").json()
    content = document["paths"]["/v1/trips"]["post"]["requestBody"]["content"]
    named = {name: e["value"] for name, e in content["application/json"]["examples"].items()}
    assert set(named) == {"upcoming", "after-the-fact"}
    assert api.post_ok("writer", "/v1/trips", json=named["upcoming"])["status"] == "draft"

    def example(method: str, path: str) -> Any:
        return _example(document, document["paths"][path][method])

    trip = api.post_ok("writer", "/v1/trips", json=named["after-the-fact"])
    steps = [
        ("writer", "post", "/submit", None),
        ("approver", "post", "/approve", example("post", "/v1/trips/{trip_id}/approve")),
        ("reporter", "post", "/complete", example("post", "/v1/trips/{trip_id}/complete")),
        ("reporter", "post", "/report", example("post", "/v1/trips/{trip_id}/report")),
        (
            "reporter",
            "patch",
            "/followups/f1",
            {**example("patch", "/v1/trips/{trip_id}/followups/{followup_id}"), "status": "done"},
        ),
        ("reporter", "post", "/close", None),
    ]
    for role, method, step, body in steps:
        response = api.as_(role).request(method, f"/v1/trips/{trip['id']}{step}", json=body)
        assert response.status_code == 200, (step, response.text)
    assert response.json()["status"] == "closed"
    assert response.json()["report_overdue"] is False
    assert [e["type"] for e in api.events()] == [
        "trip.approved",
        "trip.completed",
        "trip.reported",
        "followup.updated",
        "trip.closed",
    ]


SET_HEADERS = {
    "etag",
    "location",
    "idempotent-replayed",
    "retry-after",
    "ratelimit",
    "ratelimit-policy",
    "www-authenticate",
}


def test_every_header_the_api_sets_is_declared_where_it_sets_it(database_url: str) -> None:
    for api in serve(make_settings(database_url, public_reads_per_minute=1, public_read_burst=1)):
        document = api.as_(None).get("/openapi.json").json()
        writer, key = api.as_("writer"), {"Idempotency-Key": "one"}
        created = writer.post("/v1/trips", json=examples.trip(), headers=key)
        replayed = writer.post("/v1/trips", json=examples.trip(), headers=key)
        path = f"/v1/trips/{created.json()['id']}"
        anonymous, unknown = api.as_(None), {"Authorization": "Bearer pk_0_x"}
        assert anonymous.get("/v1/trips").status_code == 200  # the burst, spent
        answers = [
            ("post", "/v1/trips", created),
            ("post", "/v1/trips", replayed),
            ("get", "/v1/trips/{trip_id}", writer.get(path)),
            ("patch", "/v1/trips/{trip_id}", writer.patch(path, json=examples.PATCH)),
            ("get", "/v1/trips", anonymous.get("/v1/trips")),
            ("get", "/v1/trips", httpx.get(f"{api.url}/v1/trips", headers=unknown)),
        ]
        assert [r.status_code for _, _, r in answers] == [201, 201, 200, 200, 429, 401]
        for method, template, response in answers:
            declared = document["paths"][template][method]["responses"][str(response.status_code)]
            named = {h.lower() for h in declared.get("headers", {})}
            sent = SET_HEADERS & set(response.headers)
            assert sent, (method, template, response.status_code)
            assert sent <= named, (method, template, response.status_code, sent - named)


def _role(path: str) -> str:
    if path.endswith(("/approve", "/reject")):
        return "approver"
    if path.endswith(("/complete", "/report", "/costs/correct", "/report/correct")):
        return "reporter"
    if "followups" in path:
        return "reporter"
    return "writer"


CHECKS = [
    checks.not_a_server_error,
    checks.response_headers_conformance,
    checks.status_code_conformance,
]


def _fuzz(
    operation: Any,
    mode: GenerationMode,
    url: str,
    headers: dict[str, str],
    path_parameters: dict[str, Any] | None = None,
    examples: int | None = None,
) -> list[str]:
    """Send generated requests to one operation (at ``path_parameters`` if given); the answers
    that were server errors, or that the document does not describe (their status, or their
    headers)."""
    failures: list[str] = []

    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
    @settings(
        max_examples=examples or int(os.environ.get("TRIPS_FUZZ_EXAMPLES", "12")),
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        response = case.call(base_url=url, headers=headers, timeout=30)
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:
            for failure in group.exceptions:
                title = getattr(failure, "title", type(failure).__name__)
                failures.append(f"{case.method} {operation.path} {response.status_code}: {title}")

    with contextlib.suppress(hypothesis.errors.Unsatisfiable):
        check()
    return failures


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_fuzzing_the_whole_document_finds_no_server_error_and_no_undocumented_answer(
    database_url: str,
) -> None:
    for api in serve(make_settings(database_url)):
        api.approved()  # something to find
        schema = schemathesis.openapi.from_url(f"{api.url}/openapi.json")
        headers = {"Authorization": f"Bearer {api.keys['admin']}"}
        failures: list[str] = []
        for result in schema.get_all_operations():
            if isinstance(result, Err):
                raise result.err()  # a part of the document schemathesis cannot read
            operation = result.ok()
            if operation.path == "/readyz":  # 503 there is the truth: no broker in this test
                continue
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                failures += _fuzz(operation, mode, api.url, headers)
        assert sorted(set(failures)) == []


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_fuzzing_the_reads_without_a_key_finds_no_undocumented_answer(database_url: str) -> None:
    """A reader without a key is answered otherwise (the public ETag, blank private fields):
    each read is fuzzed as one too, a few times, at a published trip."""
    for api in serve(make_settings(database_url)):
        trip = api.approved()
        schema = schemathesis.openapi.from_url(f"{api.url}/openapi.json")
        failures: list[str] = []
        for result in schema.get_all_operations():
            if isinstance(result, Err):
                raise result.err()
            operation = result.ok()
            if operation.method.upper() != "GET" or operation.path == "/readyz":
                continue
            at = {"trip_id": trip["id"]} if "{trip_id}" in operation.path else None
            failures += _fuzz(operation, GenerationMode.POSITIVE, api.url, {}, at, examples=3)
        assert sorted(set(failures)) == []
