"""RFC 9457 problem responses, the one shape every Periplus error leaves in.

Bad input is a 4xx with a field-by-field account (``errors``, each at the exact
``location`` a client's code would reach), never a 500.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from periplus import openapi
from periplus.errors import BY_STATUS, KINDS, BadRequestError, ProblemError, type_of

PROBLEM_TYPE = openapi.PROBLEM_TYPE


def problem(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    errors: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
    instance: str | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"type": type_of(status), "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    if errors is not None:
        body["errors"] = errors
    body.update(extensions or {})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_TYPE, headers=headers)


def location(path: Iterable[str | int]) -> str:
    """Where a fault is, as a client's code would reach it: ``body.sdg_targets[1]``."""
    where = ""
    for part in path:
        where += f"[{part}]" if isinstance(part, int) else f".{part}" if where else str(part)
    return where


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {"location": location(err["loc"]), "message": err["msg"], "type": err["type"]}
        for err in exc.errors()
    ]


def unreadable(request: Request, exc: RequestValidationError) -> ProblemError | None:
    """The 400 for a body that is not JSON, saying where it breaks, or the 415 for one sent
    as another media type (which FastAPI hands on as bytes); None for a body that was read.
    Neither is a schema fault: a client fixes its encoder, not its fields."""
    faults = exc.errors()
    if faults and faults[0]["type"] == "json_invalid":
        text, at = str(exc.body), faults[0]["loc"][-1]
        line, column = text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)
        where = f"{faults[0]['ctx']['error']} at line {line}, column {column}"
        fault = {"location": "body", "message": where, "type": "json_invalid"}
        return BadRequestError(f"The body is not JSON: {where}.", errors=[fault])
    if isinstance(exc.body, bytes) and exc.body:
        sent = request.headers.get("content-type", "")
        kind = KINDS["unsupported-media-type"]
        fault = {
            "location": "header.content-type",
            "message": "send application/json",
            "type": "unsupported",
        }
        return ProblemError(
            kind.status,
            kind.title,
            f"This address reads a JSON body (application/json), not {sent}.",
            errors=[fault],
        )
    return None


def answer_to(exc: ProblemError, path: str) -> JSONResponse:
    """The problem document a raised ``ProblemError`` answers with, at ``path``."""
    return problem(
        exc.status, exc.title, exc.detail, errors=exc.errors, headers=exc.headers, instance=path
    )


def install_problem_handlers(app: FastAPI) -> None:
    async def on_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ProblemError)
        return answer_to(exc, request.url.path)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        kind = BY_STATUS.get(exc.status_code)
        title = kind.title if kind else "Error"
        detail = exc.detail if isinstance(exc.detail, str) and exc.detail != title else None
        return problem(
            exc.status_code, title, detail, headers=exc.headers, instance=request.url.path
        )

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        unread = unreadable(request, exc)
        if unread is not None:
            return answer_to(unread, request.url.path)
        return problem(
            422,
            "Invalid input",
            "The request does not match the schema; see errors.",
            errors=_field_errors(exc),
            instance=request.url.path,
        )

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_validation)
