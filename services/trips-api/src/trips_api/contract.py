"""What the OpenAPI document adds to FastAPI's own: every response header the API sets, where
it sets it, and the statuses that any operation reading a body can answer (413 for one over
the limit, beside the 400 and 415 of ``periplus.openapi``); so that a generated client reads
them and a contract test holds the API to them."""

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from periplus.errors import KINDS

_STRING = {"type": "string"}

HEADERS: dict[str, dict[str, Any]] = {
    "ETag": {
        "description": "The resource's version: send it back in `If-Match` to change it safely "
        '(`"7"`). A reader without a key is sent the public version instead (`"public-3"`), '
        "which only public changes move; it names no version a write can match.",
        "schema": {"type": "string", "pattern": '^"(public-)?[0-9]+"$'},
    },
    "Location": {"description": "Where the created resource is.", "schema": _STRING},
    "Idempotent-Replayed": {
        "description": "`true` on the stored answer to an earlier request with the same "
        "`Idempotency-Key` (nothing was done again).",
        "schema": {"type": "string", "enum": ["true"]},
    },
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    },
    "RateLimit": {
        "description": "The limit a 429 met and when it allows a use again "
        '(draft-ietf-httpapi-ratelimit-headers): `"address";r=0;t=12`. Sent on 429 only, so that '
        "an allowed read costs nothing more.",
        "schema": {"type": "string", "pattern": '^"(address|network|site)";r=0;t=[0-9]+$'},
    },
    "RateLimit-Policy": {
        "description": "Each limit on reads without a key, as `q` reads per `w` seconds (the "
        "seconds a spent limit takes to fill again): `address` for one client address, "
        "`network` for its IPv4 /24 or IPv6 /64, `site` for an IPv6 /48. Sent on 429 only.",
        "schema": {"type": "string"},
    },
    "WWW-Authenticate": {"description": "How to authenticate: `Bearer`.", "schema": _STRING},
    "X-Request-ID": {
        "description": "The request's id in the service's logs (the client's own, if it sent one).",
        "schema": _STRING,
    },
}
VERSIONED = ("TripView", "DepartmentPublic")
"""Responses of these schemas carry the resource's ETag."""


BODY_STATUSES = {"413": KINDS["content-too-large"].description}
"""Beside the 400 and 415 that every service's document declares (``periplus.openapi``)."""


def _ref(name: str, *, required: bool) -> dict[str, Any]:
    return {"$ref": f"#/components/headers/{name}", **({"required": True} if required else {})}


def _problem(description: str) -> dict[str, Any]:
    schema = {"$ref": "#/components/schemas/Problem"}
    return {"description": description, "content": {"application/problem+json": {"schema": schema}}}


def _declare(operation: dict[str, Any]) -> None:
    takes = {p.get("name") for p in operation.get("parameters", []) if p.get("in") == "header"}
    responses = operation["responses"]
    if "requestBody" in operation:
        for code, description in BODY_STATUSES.items():
            responses.setdefault(code, _problem(description))
    if "security" in operation:  # a key is optional on reads, but one sent must be valid
        responses.setdefault("401", _problem(KINDS["unauthorized"].description))
    for code, response in operation.get("responses", {}).items():
        headers: dict[str, Any] = response.setdefault("headers", {})
        headers["X-Request-ID"] = _ref("X-Request-ID", required=False)
        schema = str(response.get("content", {}).get("application/json", {}).get("schema"))
        if code.startswith("2") and any(f"/{name}'" in schema for name in VERSIONED):
            headers["ETag"] = _ref("ETag", required=True)
        if code == "201":
            headers["Location"] = _ref("Location", required=True)
        if code.startswith("2") and "Idempotency-Key" in takes:
            headers["Idempotent-Replayed"] = _ref("Idempotent-Replayed", required=False)
        if code == "429":
            headers["Retry-After"] = _ref("Retry-After", required=True)
            headers["RateLimit"] = _ref("RateLimit", required=True)
            headers["RateLimit-Policy"] = _ref("RateLimit-Policy", required=True)
        if code == "401":
            headers["WWW-Authenticate"] = _ref("WWW-Authenticate", required=True)


def declare(app: FastAPI) -> None:
    """Make ``app``'s OpenAPI document declare every header and status its responses carry."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def document() -> dict[str, Any]:
        spec = build()
        components = spec.setdefault("components", {})
        if "headers" not in components:  # the document is built once and kept
            components["headers"] = HEADERS
            for operations in spec.get("paths", {}).values():
                for operation in operations.values():
                    _declare(operation)
        return spec

    app.openapi = document  # type: ignore[method-assign]
