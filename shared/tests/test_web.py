"""The web layer every service shares: problem responses, limits, operations."""

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

from periplus import db
from periplus.settings import ServiceSettings
from periplus.testing import Server, free_port
from periplus.web import ProblemError, create_app


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=10)


class Settings(ServiceSettings):
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

    @app.post("/things")
    def create(body: Body) -> Body:
        if body.name == "taken":
            raise ProblemError(409, "Conflict", "That name is taken.")
        return body

    @app.get("/crash")
    def crash() -> None:
        raise RuntimeError("boom")

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
    assert {e["location"] for e in problem["errors"]} == {"body.name", "body.colour"}


def test_malformed_json_is_a_4xx_problem(client: httpx.Client) -> None:
    response = client.post(
        "/things", content=b"{oops", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_domain_errors_keep_their_status(client: httpx.Client) -> None:
    response = client.post("/things", json={"name": "taken"})
    assert (response.status_code, response.json()["detail"]) == (409, "That name is taken.")


def test_oversized_bodies_are_refused_before_parsing(client: httpx.Client) -> None:
    response = client.post(
        "/things", content=b"x" * 2000, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["title"] == "Content too large"


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
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert "broker" in ready.json()["detail"]
    metrics = client.get("/metrics").text
    assert (
        'http_requests_total{method="GET",route="/healthz",service="test",status="200"}' in metrics
    )
