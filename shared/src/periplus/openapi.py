"""The OpenAPI document says what errors really look like: RFC 9457 problems.

FastAPI documents its own validation error shape (``HTTPValidationError``),
which no service sends, and leaves the problem responses routes declare
without a schema. Every error response is given the problem schema instead,
with its kind's type URI, so a client generated from the document reads
every error the service sends.
"""

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from periplus.errors import BY_STATUS, KINDS

PROBLEM_TYPE = "application/problem+json"
_PROBLEM = {"$ref": "#/components/schemas/Problem"}
_FASTAPI_ERRORS = ("HTTPValidationError", "ValidationError")

SCHEMAS: dict[str, Any] = {
    "Problem": {
        "title": "Problem",
        "description": "RFC 9457 problem details.",
        "type": "object",
        "required": ["type", "title", "status"],
        "properties": {
            "type": {
                "type": "string",
                "description": "The kind of problem, a URI relative to the service: "
                "`/problems/<kind>` describes it. Branch on this, not on the wording.",
                "enum": sorted(kind.type for kind in KINDS.values()),
            },
            "title": {"type": "string", "description": "The kind, in words."},
            "status": {"type": "integer", "description": "The HTTP status, repeated."},
            "detail": {"type": "string", "description": "This occurrence, in words."},
            "instance": {"type": "string", "description": "The path that was asked for."},
            "errors": {
                "type": "array",
                "description": "Every fault found in the request, each where it was found.",
                "items": {"$ref": "#/components/schemas/ProblemFault"},
            },
        },
        "additionalProperties": True,
    },
    "ProblemFault": {
        "title": "ProblemFault",
        "type": "object",
        "required": ["location", "message"],
        "properties": {
            "location": {
                "type": "string",
                "description": "Where: `body.travellers[1].name`, `query.limit`, "
                "`header.if-match`.",
            },
            "message": {"type": "string"},
            "type": {"type": "string", "description": "A machine-readable name of the fault."},
        },
    },
}


UNREADABLE = {
    400: "The body is not JSON: `errors` has one fault at `body` saying where it breaks "
    "(line and column).",
    415: "The body was sent as another media type than `application/json`.",
}
"""What any operation reading a JSON body can answer before its schema is checked."""


def problems(descriptions: Mapping[int, str | None]) -> dict[int | str, dict[str, Any]]:
    """A route's ``responses=`` table: each status answered with a problem, described as it
    means on that route (None: the kind's title). ``document`` gives each its schema."""
    return {
        status: {
            "description": text or BY_STATUS[status].title,
            "content": {PROBLEM_TYPE: {}},
        }
        for status, text in descriptions.items()
    }


def document(app: FastAPI) -> dict[str, Any]:
    """``app``'s OpenAPI document with every error response a problem; made once."""
    if app.openapi_schema is None:
        spec = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        for operations in spec.get("paths", {}).values():
            for operation in operations.values():
                if "application/json" in operation.get("requestBody", {}).get("content", {}):
                    for status, text in UNREADABLE.items():
                        operation["responses"].setdefault(
                            str(status), problems({status: text})[status]
                        )
                for code, response in operation.get("responses", {}).items():
                    _as_problem(code, response)
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        for name in _FASTAPI_ERRORS:
            schemas.pop(name, None)
        schemas.update(SCHEMAS)
        app.openapi_schema = spec
    return app.openapi_schema


def _as_problem(code: str, response: dict[str, Any]) -> None:
    if not code.isdigit() or int(code) < 400:
        return
    content = response.get("content", {})
    foreign = set(content) - {PROBLEM_TYPE, "application/json"}
    if foreign:
        return  # a protocol's own error body (the witness's text/x.tlog.size)
    shown = str(content.get("application/json", {}))
    if "application/json" in content and not any(name in shown for name in _FASTAPI_ERRORS):
        return  # a route that documents a JSON body of its own
    kind = BY_STATUS.get(int(code))
    response["content"] = {PROBLEM_TYPE: {"schema": _PROBLEM}}
    if kind and response.get("description") in (None, "", "Validation Error"):
        response["description"] = kind.title
