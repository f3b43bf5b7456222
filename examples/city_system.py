"""How a city's own system records a trip in Periplus, from draft to report.

Copy and adapt. It needs only httpx (`pip install httpx`) and three API keys
that the city's Periplus administrator issues:

    ./periplus trips-api keys create --name "HR system" --scopes trips:write
    ./periplus trips-api keys create --name "Mayor's office" --scopes trips:approve
    ./periplus trips-api keys create --name "Finance" --scopes trips:report

Each made there is an authority of its own. An approve key made instead over
`POST /v1/keys` must come from another admin key than the writer's: four eyes
refuses an approval by a key that shares a minter with the key that wrote.

Then:

    PERIPLUS_URL=http://127.0.0.1:8001 WRITER_KEY=pk_... APPROVER_KEY=pk_... \\
    REPORTER_KEY=pk_... [ADMIN_KEY=pk_...] python examples/city_system.py

The trip below happened last week and is recorded afterwards, so its approval
carries an urgency justification. Each call sends an Idempotency-Key (a retry
after a network error can never act twice) and an If-Match with the ETag last
read (a write based on an old version is refused, not silently applied).
"""

import os
import sys
import time
import uuid
from datetime import date, timedelta
from typing import Any

import httpx


class PeriplusError(Exception):
    """A problem document (RFC 9457) from the API, with its field-by-field errors."""

    def __init__(self, problem: dict[str, Any]) -> None:
        lines = [f"{problem.get('status')} {problem.get('title')}: {problem.get('detail', '')}"]
        lines += [f"  {e['location']}: {e['message']}" for e in problem.get("errors", [])]
        super().__init__("\n".join(lines))
        self.problem = problem


class Trips:
    """A thin client: one method per call, each retried safely on network errors."""

    def __init__(self, base_url: str, key: str) -> None:
        self.http = httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {key}"}, timeout=30
        )

    def call(
        self, method: str, path: str, body: Any = None, etag: str | None = None
    ) -> tuple[dict[str, Any], str | None]:
        headers = {"Idempotency-Key": str(uuid.uuid4())} if method == "POST" else {}
        if etag:
            headers["If-Match"] = etag
        for attempt in range(3):
            try:
                response = self.http.request(method, path, json=body, headers=headers)
                break
            except httpx.TransportError:
                if attempt == 2:
                    raise
                time.sleep(2**attempt)  # the same Idempotency-Key makes the retry safe
        if response.status_code >= 400:
            raise PeriplusError(response.json())
        return response.json(), response.headers.get("ETag")

    def close(self) -> None:
        self.http.close()


def trip_record(today: date) -> dict[str, Any]:
    start = today - timedelta(days=9)

    def day(n: int) -> str:
        return (start + timedelta(days=n)).isoformat()

    return {
        "title": "Study visit: Barcelona's superblocks",
        "purpose": "Learn how Barcelona turned car lanes into neighbourhood squares, "
        "to prepare the pilot in our old town.",
        "category": "study_visit",
        "host_organisation": "Barcelona City Council",
        "networks": ["Eurocities"],
        "departure_date": day(0),
        "return_date": day(3),
        "itinerary": [{"country": "ES", "city": "Barcelona", "arrive": day(0), "depart": day(3)}],
        "travellers": [
            {"name": "Marta Ruiz", "position": "Deputy mayor for urban planning", "elected": True},
            {
                "name": "Luis Prado",
                "position": "Traffic engineer",
                "elected": False,
                "name_public": False,
            },
        ],
        "lead_department": "urban-planning",
        "departments": ["mobility"],
        "sdg_targets": ["11.2", "11.7"],
        "agenda": [
            {
                "date": day(1),
                "time": "09:30",
                "kind": "site_visit",
                "title": "Walk through the Sant Antoni superblock",
                "counterpart": "Barcelona Urban Ecology Agency",
            },
            {
                "date": day(2),
                "kind": "meeting",
                "title": "Traffic modelling and resident consultation",
                "counterpart": "Barcelona City Council, Mobility",
            },
        ],
        "expected_outcomes": [
            {"id": "o1", "text": "A written method for the old town pilot, reviewed by Barcelona."}
        ],
        "budget": [
            {
                "category": "airfare",
                "payer": "city",
                "amount": {"amount": "420.00", "currency": "EUR"},
            },
            {
                "category": "lodging",
                "payer": "city",
                "amount": {"amount": "540.00", "currency": "EUR"},
            },
        ],
    }


def actual_costs() -> dict[str, Any]:
    """What the trip actually cost, and who paid, once it is over."""
    return {
        "actual_costs": [
            {
                "category": "airfare",
                "payer": "city",
                "amount": {"amount": "398.20", "currency": "EUR"},
            },
            {
                "category": "lodging",
                "payer": "city",
                "amount": {"amount": "540.00", "currency": "EUR"},
            },
            {
                "category": "local_transport",
                "payer": "host",
                "payer_name": "Barcelona City Council",
                "amount": {"amount": "35.00", "currency": "EUR"},
            },
        ]
    }


def trip_report(today: date) -> dict[str, Any]:
    """What came of the trip, and what the city committed to do next."""
    return {
        "summary": "Two days on site with the agency that designed the superblocks.",
        "results": [
            {
                "outcome_id": "o1",
                "achieved": "partly",
                "result": "Method drafted; review due.",
            }
        ],
        "followups": [
            {
                "commitment": "Send the pilot method to Barcelona for review.",
                "owner_department": "urban-planning",
                "due_date": (today + timedelta(days=60)).isoformat(),
            }
        ],
    }


def register_departments(base_url: str, key: str) -> None:
    """Add the trip's departments to the city's registry, where they are not there already."""
    admin = Trips(base_url, key)
    for code, name in (("urban-planning", "Urban Planning"), ("mobility", "Mobility")):
        try:
            admin.call("POST", "/v1/departments", {"code": code, "name": name})
        except PeriplusError as exc:
            if exc.problem.get("status") != 409:  # 409: it is there already
                raise
    admin.close()


def run(base_url: str, keys: dict[str, str], today: date | None = None) -> dict[str, Any]:
    """Record one trip through its whole life; return it as finally published."""
    today = today or date.today()
    writer, approver, reporter = (
        Trips(base_url, keys[r]) for r in ("writer", "approver", "reporter")
    )
    try:
        if "admin" in keys:  # departments come from the city's registry
            register_departments(base_url, keys["admin"])

        trip, etag = writer.call("POST", "/v1/trips", trip_record(today))
        print(f"created {trip['reference']} ({trip['id']}) as a draft")
        path = f"/v1/trips/{trip['id']}"
        trip, etag = writer.call("POST", f"{path}/submit", etag=etag)
        # Four eyes: a different key, held by someone else, approves.
        trip, etag = approver.call(
            "POST",
            f"{path}/approve",
            {"urgency_justification": "Recorded after return: the invitation came by phone."},
            etag,
        )
        print(f"approved; published with {trip['days_notice']} days' notice")
        trip, etag = reporter.call("POST", f"{path}/complete", actual_costs(), etag)
        print(f"completed; the city paid {trip['actual_city_share']['amount']} EUR")
        trip, etag = reporter.call("POST", f"{path}/report", trip_report(today), etag)
        print(
            f"reported; follow-up {trip['followups'][0]['id']} is {trip['followups'][0]['status']}"
        )
        return trip
    finally:
        for client in (writer, approver, reporter):
            client.close()


def main() -> int:
    env = os.environ
    keys = {
        r: env[f"{r.upper()}_KEY"]
        for r in ("writer", "approver", "reporter", "admin")
        if f"{r.upper()}_KEY" in env
    }
    try:
        run(env.get("PERIPLUS_URL", "http://127.0.0.1:8001"), keys)
    except PeriplusError as exc:
        print(exc, file=sys.stderr)
        return 1
    except KeyError as exc:
        print(f"set {exc.args[0].upper()}_KEY", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
