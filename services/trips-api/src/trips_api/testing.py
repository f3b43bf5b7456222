"""Helpers for tests and benchmarks: a served app over a fresh database, one key per role."""

import base64
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlmodel import Session

from periplus import db
from periplus.testing import Server
from trips_api import state
from trips_api.departments import registry
from trips_api.events import service as events_service
from trips_api.keys import service as keys_service
from trips_api.keys.models import ApiKey
from trips_api.main import JSON_COLUMNS, MIGRATIONS, build
from trips_api.settings import Settings
from trips_api.trips import examples

ROLES = {
    "admin": ["admin"],
    "writer": ["trips:write"],
    "writer2": ["trips:write"],
    "approver": ["trips:approve"],
    "reporter": ["trips:report"],
    "private": ["trips:read-private"],
}


DEPARTMENTS = (
    ("international-relations", "International Relations"),
    ("mobility", "Mobility"),
    ("finance", "Finance"),
)


@dataclass
class Api:
    url: str
    app: Any
    keys: dict[str, str]
    clients: dict[str, httpx.Client] = field(default_factory=dict)

    def as_(self, role: str | None) -> httpx.Client:
        """A client that sends the key of ``role`` (None: anonymous)."""
        name = role or "anonymous"
        if name not in self.clients:
            headers = {"Authorization": f"Bearer {self.keys[role]}"} if role else {}
            self.clients[name] = httpx.Client(base_url=self.url, headers=headers, timeout=30)
        return self.clients[name]

    def create(self, **overrides: Any) -> dict[str, Any]:
        body = {**examples.trip(), **overrides}
        response = self.as_("writer").post("/v1/trips", json=body)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def approved(self, *, days_ahead: int = 60, **overrides: Any) -> dict[str, Any]:
        """A trip created, submitted and approved; in the past if days_ahead < 0."""
        body = {**examples.trip(days_ahead=days_ahead), **overrides}
        trip = self.as_("writer").post("/v1/trips", json=body).json()
        self.post_ok("writer", f"/v1/trips/{trip['id']}/submit")
        reason = {"urgency_justification": "Recorded after the fact."} if days_ahead < 20 else {}
        return self.post_ok("approver", f"/v1/trips/{trip['id']}/approve", json=reason)

    def completed(self) -> dict[str, Any]:
        trip = self.approved(days_ahead=-10)
        return self.post_ok("reporter", f"/v1/trips/{trip['id']}/complete", json=examples.COMPLETE)

    def reported(self) -> dict[str, Any]:
        trip = self.completed()
        return self.post_ok("reporter", f"/v1/trips/{trip['id']}/report", json=examples.REPORT)

    def post_ok(self, role: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self.as_(role).post(path, **kwargs)
        assert response.status_code in (200, 201), response.text
        return dict(response.json())

    def events(self) -> list[dict[str, Any]]:
        return list(self.as_(None).get("/v1/events", params={"limit": 1000}).json()["events"])

    def close(self) -> None:
        for client in self.clients.values():
            client.close()


SOURCE_SEED = base64.b64encode(bytes(range(32, 64))).decode()


def make_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "relay_enabled": False,
        "reference_prefix": "MVD",
        "city_id": "montevideo",
        "signing_key": SOURCE_SEED,
        "reporting_currency": "EUR",
        "exchange_rates": {"USD": Decimal("0.92")},
        "public_reads_per_minute": 100_000,
        "public_read_burst": 100_000,
        "public_network_reads_per_minute": 100_000,
        **overrides,
    }
    return Settings(**values)


def serve(settings: Settings, *, departments: bool = True) -> Iterator[Api]:
    app = build(settings)
    with Server(app) as server:
        keys: dict[str, str] = {}
        with Session(state.of(app).engine) as session:
            for role, scopes in ROLES.items():
                keys[role] = keys_service.create(session, role, scopes)[1]
            session.commit()
        api = Api(server.url, app, keys)
        for code, name in DEPARTMENTS if departments else ():
            api.post_ok("admin", "/v1/departments", json={"code": code, "name": name})
        try:
            yield api
        finally:
            api.close()


def days(n: int) -> str:
    return (date.today() + timedelta(days=n)).isoformat()


def new_key() -> str:
    return str(uuid.uuid4())


@dataclass
class World:
    """The service layer over a migrated database: a session, settings and a key per role."""

    session: Session
    settings: Settings
    keys: dict[str, ApiKey]

    def events(self) -> list[dict[str, Any]]:
        return [events_service.decode(e) for e in events_service.after(self.session, 0, 1000)]


def world(settings: Settings) -> Iterator[World]:
    engine = db.make_engine(settings.database_url, **JSON_COLUMNS)
    db.upgrade(engine, MIGRATIONS)
    with Session(engine) as session:
        keys = {
            role: keys_service.create(session, role, scopes)[0] for role, scopes in ROLES.items()
        }
        registry.load(session, [registry.Entry(code=c, name=n) for c, n in DEPARTMENTS])
        session.commit()
        try:
            yield World(session, settings, keys)
        finally:
            session.rollback()
    engine.dispose()
