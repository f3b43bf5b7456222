"""The web layer every service shares: problem responses, limits, operations."""

import threading
import time
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from typing import Annotated

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from periplus import db, logs
from periplus.errors import ConflictError, ProblemError
from periplus.readiness import CheckFailedError, Readiness
from periplus.settings import BrokerSettings
from periplus.testing import Server, eventually, free_port
from periplus.web import create_app


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=10)
    tags: list[Annotated[str, Field(max_length=3)]] = []


class Settings(BrokerSettings):
    port: int = 0
    database_url: str = "sqlite://"
    max_body_bytes: int = 1000


def build(broker_bootstrap: str) -> FastAPI:
    app = create_app(
        service="test",
        title="test",
        description="test",
        settings=Settings(kafka_bootstrap=broker_bootstrap),
        engine=db.make_engine("sqlite://"),
    )

    @app.post("/things", responses={409: {"description": "The name is taken"}})
    def create(body: Body) -> Body:
        if body.name == "taken":
            raise ConflictError("That name is taken.")
        if body.name == "teapot":
            raise ProblemError(418, "I'm a teapot")
        return body

    @app.get("/crash")
    def crash() -> None:
        raise RuntimeError("boom")

    @app.get("/logged-as")
    def logged_as(response: Response) -> str | None:
        response.headers["X-Request-Id"] = "set-by-the-route"
        return logs.request_id.get()

    return app


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    down = f"127.0.0.1:{free_port()}"  # nothing listens there
    with Server(build(down)) as server, httpx.Client(base_url=server.url) as http:
        yield http


def test_bad_input_is_a_problem_with_each_field(client: httpx.Client) -> None:
    response = client.post("/things", json={"name": "x" * 11, "colour": "red"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422
    assert problem["type"] == "/problems/invalid-input"
    assert {e["location"] for e in problem["errors"]} == {"body.name", "body.colour"}


def test_every_fault_is_named_where_a_client_would_reach_it(client: httpx.Client) -> None:
    response = client.post("/things", json={"name": "x" * 11, "tags": ["ok", "long", "no", "yes!"]})
    assert [e["location"] for e in response.json()["errors"]] == [
        "body.name",
        "body.tags[1]",
        "body.tags[3]",
    ]


def test_each_kind_of_problem_has_its_type_and_says_what_it_means(client: httpx.Client) -> None:
    conflict = client.post("/things", json={"name": "taken"}).json()
    assert (conflict["type"], conflict["title"], conflict["status"]) == (
        "/problems/conflict",
        "Conflict",
        409,
    )
    described = client.get(conflict["type"]).json()
    assert (described["status"], described["title"]) == (409, "Conflict")
    assert "current state" in described["description"]
    kinds = client.get("/problems").json()
    assert len({k["type"] for k in kinds}) == len(kinds) >= 10
    assert client.post("/things", json={"name": "teapot"}).json()["type"] == "about:blank"
    missing = client.get("/problems/no-such-kind")
    assert (missing.status_code, missing.json()["type"]) == (404, "/problems/not-found")


def test_the_openapi_document_shows_the_problems_it_sends(client: httpx.Client) -> None:
    document = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in str(document)
    checked = 0
    for operations in document["paths"].values():
        for operation in operations.values():
            for code, response in operation["responses"].items():
                if int(code) >= 400:
                    schema = response["content"]["application/problem+json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Problem"}
                    checked += 1
    assert checked >= 3  # /things 409 and 422, /readyz 503, /problems/{kind} 404
    problem = document["components"]["schemas"]["Problem"]
    assert "/problems/invalid-input" in problem["properties"]["type"]["enum"]


def test_a_body_that_is_not_json_is_a_400_saying_where_it_breaks(client: httpx.Client) -> None:
    response = client.post(
        "/things", content=b'{"name": "x",\n oops}', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "/problems/bad-request"
    (fault,) = body["errors"]
    assert (fault["location"], fault["type"]) == ("body", "json_invalid")
    assert "line 2, column 2" in fault["message"]


def test_a_body_of_another_media_type_is_a_415(client: httpx.Client) -> None:
    response = client.post("/things", content=b"name=x", headers={"content-type": "text/plain"})
    assert response.status_code == 415
    body = response.json()
    assert body["type"] == "/problems/unsupported-media-type"
    assert body["errors"][0]["location"] == "header.content-type"
    declared = client.get("/openapi.json").json()["paths"]["/things"]["post"]["responses"]
    assert {"400", "415"} <= set(declared)


def test_domain_errors_keep_their_status(client: httpx.Client) -> None:
    response = client.post("/things", json={"name": "taken"})
    assert (response.status_code, response.json()["detail"]) == (409, "That name is taken.")


def test_oversized_bodies_are_refused_before_parsing(client: httpx.Client) -> None:
    response = client.post(
        "/things", content=b"x" * 2000, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["title"] == "Content too large"


def test_a_streamed_body_over_the_limit_is_refused_with_413(client: httpx.Client) -> None:
    """A body without Content-Length is counted as it arrives."""
    response = client.post(
        "/things",
        content=iter([b"x" * 600, b"x" * 600]),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "The body exceeds 1000 bytes."
    assert "x-request-id" in response.headers


def test_every_answer_carries_the_request_id_its_log_lines_carry(client: httpx.Client) -> None:
    given = client.get("/logged-as", headers={"x-request-id": "r" * 80})
    assert given.headers.get_list("x-request-id") == ["r" * 64]  # the route's own is replaced
    assert given.json() == "r" * 64
    made = client.get("/logged-as")
    assert made.json() == made.headers["x-request-id"]
    assert len(made.json()) == 32
    assert client.get("/nowhere").headers["x-request-id"]


def test_every_answer_has_one_date_taken_as_it_starts(client: httpx.Client) -> None:
    for path in ("/logged-as", "/nowhere", "/crash"):
        before = int(time.time())
        answer = client.get(path)
        after = time.time()
        [date] = answer.headers.get_list("date")
        assert before <= parsedate_to_datetime(date).timestamp() <= after


def test_unknown_paths_and_methods_are_problems(client: httpx.Client) -> None:
    assert client.get("/nowhere").json()["status"] == 404
    assert client.delete("/things").json()["status"] == 405


def test_a_crash_is_a_500_problem_with_the_request_id(client: httpx.Client) -> None:
    response = client.get("/crash", headers={"x-request-id": "abc123"})
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "abc123"
    assert "boom" not in response.text


def test_operations_endpoints(client: httpx.Client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200
    metrics = client.get("/metrics").text
    assert (
        'http_requests_total{method="GET",route="/healthz",service="test",status="200"}' in metrics
    )


def test_a_broker_down_is_reported_and_leaves_the_service_ready(client: httpx.Client) -> None:
    ready = client.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready"
    assert body["checks"]["database"] == {"status": "ok", "required": True}
    broker = body["checks"]["broker"]
    assert (broker["status"], broker["required"]) == ("failing", False)
    assert broker["error"] == "ConnectionError"
    metrics = client.get("/metrics").text
    assert 'readiness_ready{service="test"} 1.0' in metrics
    assert 'readiness_check_ok{check="broker",service="test"} 0.0' in metrics
    assert 'readiness_check_ok{check="database",service="test"} 1.0' in metrics


def test_a_required_check_that_fails_makes_the_service_unready() -> None:
    app = build(f"127.0.0.1:{free_port()}")

    def lost() -> None:
        raise ConnectionRefusedError("the database is gone")

    app.state.readiness.require("database", lost)
    app.state.readiness.report("queue", lambda: {"waiting": 7, "oldest": None})
    with Server(app) as server:
        ready = httpx.get(f"{server.url}/readyz")
        metrics = httpx.get(f"{server.url}/metrics").text
    assert ready.status_code == 503
    assert ready.headers["content-type"] == "application/problem+json"
    problem = ready.json()
    assert problem["detail"] == "Failing: database"
    assert problem["checks"]["database"] == {
        "status": "failing",
        "required": True,
        "error": "ConnectionRefusedError",
    }
    assert problem["checks"]["queue"] == {
        "status": "ok",
        "required": False,
        "waiting": 7,
        "oldest": None,
    }
    assert 'readiness_ready{service="test"} 0.0' in metrics
    assert 'readiness_check_value{check="queue",field="waiting",service="test"} 7.0' in metrics


def test_a_probe_that_hangs_fails_in_time_and_runs_once_at_a_time() -> None:
    readiness = Readiness("hung", within=0.2)
    release, started = threading.Event(), []

    def hangs() -> dict[str, object]:
        started.append(1)
        release.wait()
        return {"late": 1}

    def fails() -> None:
        raise CheckFailedError("not connected", lag=None)

    readiness.report("hangs", hangs)
    readiness.report("fails", fails)
    readiness.require("fine", lambda: None)
    try:
        for _ in range(3):
            ready, checks = readiness.run()
            assert ready
            assert checks["hangs"]["error"] == "no answer within 0.2 s"
        assert checks["fails"] == {
            "status": "failing",
            "required": False,
            "error": "not connected",
            "lag": None,
        }
        assert len(started) == 1
    finally:
        release.set()
    eventually(lambda: readiness.run()[1]["hangs"]["status"] == "ok")


@pytest.mark.parametrize(
    ("trusted", "seen"),
    [("127.0.0.1", "203.0.113.7"), ("10.0.0.0/8", "127.0.0.1"), ("", "127.0.0.1")],
)
def test_the_client_behind_a_trusted_proxy_is_the_one_it_names(trusted: str, seen: str) -> None:
    """Rate limits count the client a trusted proxy forwards for; anyone else's header is
    ignored, or a client could pick its own address."""
    app = create_app(
        service="test",
        title="test",
        description="test",
        settings=Settings(trusted_proxies=trusted),
        engine=db.make_engine("sqlite://"),
    )

    @app.get("/whoami")
    def whoami(request: Request) -> str:
        return request.client.host if request.client else ""

    with Server(app) as server:
        response = httpx.get(f"{server.url}/whoami", headers={"X-Forwarded-For": "203.0.113.7"})
    assert response.json() == seen
