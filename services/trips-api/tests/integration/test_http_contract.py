"""Idempotency keys, ETags, API keys, departments and rate limits over real HTTP."""

import threading

import httpx
import pytest

from trips_api.testing import Api, make_settings, new_key, serve
from trips_api.trips import examples

# What this module checks is the same on every database; it runs on SQLite.
pytestmark = pytest.mark.backends("sqlite")


def test_same_idempotency_key_and_body_replays_the_first_answer(api: Api) -> None:
    writer, key = api.as_("writer"), new_key()
    first = writer.post("/v1/trips", json=examples.trip(), headers={"Idempotency-Key": key})
    again = writer.post("/v1/trips", json=examples.trip(), headers={"Idempotency-Key": key})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    listed = writer.get("/v1/trips").json()["trips"]
    assert len(listed) == 1  # acted once


def test_same_idempotency_key_with_another_body_is_a_conflict(api: Api) -> None:
    writer, key = api.as_("writer"), new_key()
    writer.post("/v1/trips", json=examples.trip(), headers={"Idempotency-Key": key})
    other = {**examples.trip(), "title": "Another trip"}
    response = writer.post("/v1/trips", json=other, headers={"Idempotency-Key": key})
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"


def test_idempotency_keys_belong_to_their_api_key(api: Api) -> None:
    key = new_key()
    api.as_("writer").post("/v1/trips", json=examples.trip(), headers={"Idempotency-Key": key})
    response = api.as_("writer2").post(
        "/v1/trips", json=examples.trip(), headers={"Idempotency-Key": key}
    )
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response.headers


def test_a_replayed_approval_does_not_emit_twice(api: Api) -> None:
    trip = api.create()
    api.post_ok("writer", f"/v1/trips/{trip['id']}/submit")
    key = new_key()
    for _ in range(2):
        response = api.as_("approver").post(
            f"/v1/trips/{trip['id']}/approve", headers={"Idempotency-Key": key}
        )
        assert response.status_code == 200
    assert [e["type"] for e in api.events()] == ["trip.approved"]


def test_a_stale_if_match_is_refused_with_412(api: Api) -> None:
    trip = api.create()
    path = f"/v1/trips/{trip['id']}"
    read = api.as_("writer").get(path)
    etag = read.headers["ETag"]
    assert etag == f'"{trip["version"]}"'
    first = api.as_("writer").patch(path, json=examples.PATCH, headers={"If-Match": etag})
    assert first.status_code == 200
    assert first.headers["ETag"] != etag
    stale = api.as_("writer2").patch(path, json={"title": "Mine"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert api.as_("writer").get(path).json()["title"] == examples.PATCH["title"]
    fresh = api.as_("writer2").patch(
        path, json={"title": "Mine"}, headers={"If-Match": first.headers["ETag"]}
    )
    assert fresh.status_code == 200
    submit = api.as_("writer").post(f"{path}/submit", headers={"If-Match": etag})
    assert submit.status_code == 412


def test_keys_are_created_listed_and_revoked_by_admins(api: Api) -> None:
    admin = api.as_("admin")
    idem = new_key()
    created = admin.post(
        "/v1/keys",
        json={"name": "HR", "scopes": ["trips:write"]},
        headers={"Idempotency-Key": idem},
    )
    assert created.status_code == 201
    plain = created.json()["key"]
    assert plain.startswith("pk_")
    replay = admin.post(
        "/v1/keys",
        json={"name": "HR", "scopes": ["trips:write"]},
        headers={"Idempotency-Key": idem},
    )
    assert replay.json()["id"] == created.json()["id"]
    assert replay.json()["key"] is None  # the secret is never stored

    hr = httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {plain}"})
    assert hr.post("/v1/trips", json=examples.trip()).status_code == 201
    listed = admin.get("/v1/keys").json()["keys"]
    assert "HR" in [k["name"] for k in listed]
    assert all("secret" not in str(k) and "key" not in k for k in listed)
    assert api.as_("writer").get("/v1/keys").status_code == 403

    revoked = admin.post(f"/v1/keys/{created.json()['id']}/revoke")
    assert revoked.status_code == 200
    assert revoked.json()["revoked_by"] == api.keys["admin"].split("_")[1]
    assert hr.post("/v1/trips", json=examples.trip()).status_code == 401
    hr.close()


@pytest.mark.backends("sqlite", "postgresql")  # PostgreSQL holds a key's name to 100
def test_a_key_name_longer_than_its_column_is_refused_where_it_is(api: Api) -> None:
    admin = api.as_("admin")
    body = {"name": "N" * 101, "holder": "Someone", "scopes": ["trips:write"]}
    refused = admin.post("/v1/keys", json=body)
    assert refused.status_code == 422, refused.text
    assert [e["location"] for e in refused.json()["errors"]] == ["body.name"]
    assert admin.post("/v1/keys", json={**body, "name": "N" * 100}).status_code == 201
    assert len(admin.get("/v1/keys").json()["keys"]) == len(api.keys) + 1


def test_departments_are_managed_through_the_api(api: Api) -> None:
    admin = api.as_("admin")
    assert (
        api.as_("writer")
        .post("/v1/departments", json={"code": "culture", "name": "Culture"})
        .status_code
        == 403
    )
    created = admin.post("/v1/departments", json={"code": "culture", "name": "Culture"})
    assert created.status_code == 201
    assert admin.post("/v1/departments", json={"code": "culture", "name": "X"}).status_code == 409
    etag = created.headers["ETag"]
    retired = admin.patch(
        "/v1/departments/culture", json={"active": False}, headers={"If-Match": etag}
    )
    assert retired.status_code == 200
    stale = admin.patch(
        "/v1/departments/culture", json={"name": "Arts"}, headers={"If-Match": etag}
    )
    assert stale.status_code == 412
    response = api.as_("writer").post(
        "/v1/trips", json={**examples.trip(), "departments": ["culture", "nowhere"]}
    )
    assert response.status_code == 422
    assert {e["message"] for e in response.json()["errors"]} == {
        "no active department has the code 'culture'",
        "no active department has the code 'nowhere'",
    }
    codes = [d["code"] for d in api.as_(None).get("/v1/departments").json()["departments"]]
    assert codes == ["culture", "finance", "international-relations", "mobility"]


def test_department_names_enter_the_public_record(api: Api) -> None:
    api.approved()
    trip = api.events()[0]["data"]["trip"]
    assert trip["lead_department"] == "International Relations"
    assert trip["departments"] == ["International Relations", "Mobility"]


def test_anonymous_reads_are_rate_limited_per_client(database_url: str) -> None:
    for api in serve(make_settings(database_url, public_reads_per_minute=1, public_read_burst=3)):
        codes = [api.as_(None).get("/v1/trips").status_code for _ in range(5)]
        assert codes[:3] == [200, 200, 200]
        assert codes[3:] == [429, 429]
        limited = api.as_(None).get("/v1/trips")
        assert limited.headers["content-type"] == "application/problem+json"
        wait = limited.headers["Retry-After"]
        assert int(wait) >= 1
        # Which limit it met, and each limit as reads per the seconds it takes to fill again.
        assert limited.headers["RateLimit"] == f'"address";r=0;t={wait}'
        assert limited.headers["RateLimit-Policy"] == (
            '"address";q=3;w=180, "network";q=100000;w=60, "site";q=400000;w=60'
        )
        assert api.as_("writer").get("/v1/trips").status_code == 200  # keys are not limited
        # The catch-up of events is a read like any other: limited when anonymous.
        assert api.as_(None).get("/v1/events").status_code == 429
        assert api.as_("writer").get("/v1/events").status_code == 200


def _read_from(api: Api, address: str) -> int:
    """An anonymous read from ``address``, as the city's proxy passes it on."""
    forwarded = {"X-Forwarded-For": address}
    return api.as_(None).get("/v1/trips", headers=forwarded).status_code


def test_anonymous_reads_are_rate_limited_per_network_too(database_url: str) -> None:
    """A client that holds an IPv6 /64 (or an IPv4 /24) changes address at will."""
    settings = make_settings(
        database_url,
        public_reads_per_minute=1,
        public_read_burst=2,
        public_network_reads_per_minute=5,
    )
    for api in serve(settings):
        codes = [_read_from(api, f"2001:db8:1:2::{n:x}") for n in range(1, 9)]
        assert codes == [200] * 5 + [429] * 3
        forwarded = {"X-Forwarded-For": "2001:db8:1:2::9"}
        limited = api.as_(None).get("/v1/trips", headers=forwarded).headers["RateLimit"]
        assert limited.startswith('"network";r=0;t=')
        assert _read_from(api, "2001:db8:1:3::1") == 200  # the next /64 has its own bucket
        codes = [_read_from(api, f"192.0.2.{n}") for n in range(1, 8)]
        assert codes == [200] * 5 + [429] * 2
        assert _read_from(api, "198.51.100.1") == 200


def test_an_oversized_body_is_refused_with_413(database_url: str) -> None:
    for api in serve(make_settings(database_url, max_body_bytes=2000)):
        body = {**examples.trip(), "purpose": "x" * 3000}
        response = api.as_("writer").post("/v1/trips", json=body)
        assert response.status_code == 413


def test_unknown_fields_are_refused_field_by_field(api: Api) -> None:
    response = api.as_("writer").post("/v1/trips", json={**examples.trip(), "colour": "red"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == "body.colour"


def test_a_control_character_is_refused_where_it_is_with_422(api: Api) -> None:
    """A NUL is valid JSON and would be signed into an event no PostgreSQL can store."""
    writer = api.as_("writer")
    traveller = {**examples.trip()["travellers"][0], "name": "Ana\u0000Rocha"}
    for body, location in (
        ({**examples.trip(), "title": "Visit\x00to Quito"}, "body.title"),
        ({**examples.trip(), "travellers": [traveller]}, "body.travellers[0].name"),
        ({**examples.trip(), "purpose": "Bell\x07"}, "body.purpose"),
    ):
        response = writer.post("/v1/trips", json=body)
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        [error] = response.json()["errors"]
        assert error["location"] == location
        assert "control characters" in error["message"]
    assert writer.get("/v1/trips").json()["trips"] == []
    multiline = {**examples.trip(), "purpose": "First line.\r\n\tSecond line."}
    assert writer.post("/v1/trips", json=multiline).status_code == 201


def test_two_approvals_at_once_publish_one_event(api: Api) -> None:
    trip = api.create()
    api.post_ok("writer", f"/v1/trips/{trip['id']}/submit")
    barrier = threading.Barrier(2)
    codes: list[int] = []

    def approve(role: str) -> None:
        with httpx.Client(
            base_url=api.url, headers={"Authorization": f"Bearer {api.keys[role]}"}
        ) as client:
            barrier.wait()
            codes.append(client.post(f"/v1/trips/{trip['id']}/approve").status_code)

    threads = [threading.Thread(target=approve, args=(r,)) for r in ("approver", "admin")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [200, 409]
    assert [e["type"] for e in api.events()] == ["trip.approved"]


def test_the_same_idempotency_key_sent_twice_at_once_acts_once(api: Api) -> None:
    barrier, key = threading.Barrier(2), new_key()
    answers: list[httpx.Response] = []

    def create() -> None:
        with httpx.Client(
            base_url=api.url, headers={"Authorization": f"Bearer {api.keys['writer']}"}
        ) as client:
            barrier.wait()
            answers.append(
                client.post("/v1/trips", json=examples.trip(), headers={"Idempotency-Key": key})
            )

    threads = [threading.Thread(target=create) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json()["id"] == answers[1].json()["id"]
    assert len(api.as_("writer").get("/v1/trips").json()["trips"]) == 1


def test_an_idempotency_key_is_forgotten_after_its_time(database_url: str) -> None:
    for api in serve(make_settings(database_url, idempotency_hours=0)):
        key = new_key()
        for _ in range(2):
            response = api.as_("writer").post(
                "/v1/trips", json=examples.trip(), headers={"Idempotency-Key": key}
            )
            assert response.status_code == 201
            assert "Idempotent-Replayed" not in response.headers
        assert len(api.as_("writer").get("/v1/trips").json()["trips"]) == 2
