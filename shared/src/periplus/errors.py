"""The problems every service answers with (RFC 9457), one class and one type URI per kind.

A client branches on ``type``, never on the wording of ``title`` or ``detail``:
each kind has its own URI, ``/problems/<kind>`` on the service that answered,
where the kind is described (relative, so it resolves against whichever host a
deployment serves the API from).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class Kind:
    """One kind of problem: its URI's last segment, status, title and what it means."""

    slug: str
    status: int
    title: str
    description: str

    @property
    def type(self) -> str:
        return f"/problems/{self.slug}"


KINDS = {
    kind.slug: kind
    for kind in (
        Kind("bad-request", 400, "Bad request", "The request cannot be read as sent."),
        Kind(
            "unauthorized",
            401,
            "Unauthorized",
            "No valid API key came with the request: send `Authorization: Bearer <key>`.",
        ),
        Kind(
            "forbidden",
            403,
            "Forbidden",
            "The key is valid but may not do this: it lacks the scope, or a rule such as "
            "four eyes keeps its holder from it. `detail` says which.",
        ),
        Kind("not-found", 404, "Not found", "Nothing is at this address, or not for this key."),
        Kind(
            "method-not-allowed",
            405,
            "Method not allowed",
            "The address exists but does not take this method; `Allow` lists those it takes.",
        ),
        Kind(
            "not-acceptable",
            406,
            "Not acceptable",
            "None of the media types in `Accept` can be served here.",
        ),
        Kind(
            "conflict",
            409,
            "Conflict",
            "The request contradicts the resource's current state (say, a step its life cycle "
            "does not allow now, or a name already taken). Read it again before retrying.",
        ),
        Kind(
            "precondition-failed",
            412,
            "Precondition failed",
            "`If-Match` names a version that is no longer current: someone changed the resource "
            "since it was read. Read it again, then apply the change to what is there now.",
        ),
        Kind(
            "content-too-large",
            413,
            "Content too large",
            "The request body is larger than the service takes (its `*_MAX_BODY_BYTES`).",
        ),
        Kind(
            "unsupported-media-type",
            415,
            "Unsupported media type",
            "The body's `Content-Type` is not one this address reads.",
        ),
        Kind(
            "invalid-input",
            422,
            "Invalid input",
            "The request is well formed but breaks the schema or a rule. `errors` lists every "
            "fault found, each with its exact `location` (`body.travellers[1].name`), a "
            "`message` and a machine-readable `type`.",
        ),
        Kind(
            "too-many-requests",
            429,
            "Too many requests",
            "This client sent more than its rate allows; `Retry-After` says when to try again.",
        ),
        Kind(
            "internal-error",
            500,
            "Internal error",
            "The service failed; nothing was changed. The `X-Request-ID` names it in the logs.",
        ),
        Kind(
            "bad-gateway",
            502,
            "Bad gateway",
            "A service this one depends on answered with something it could not use.",
        ),
        Kind(
            "unavailable",
            503,
            "Service unavailable",
            "The service cannot do this now (a dependency is down or a lock is held too long); "
            "nothing was changed. Retry after `Retry-After` seconds.",
        ),
    )
}
BY_STATUS = {kind.status: kind for kind in KINDS.values()}


def type_of(status: int) -> str:
    """The type URI of a status's problems (``about:blank`` for one without a kind)."""
    kind = BY_STATUS.get(status)
    return kind.type if kind else "about:blank"


class ProblemError(Exception):
    """A domain error that knows its HTTP status; rendered as an RFC 9457 problem.

    Raise one of the ``KindError`` subclasses below, which fix the status and title; the base
    class takes them for statuses without a class of their own.
    """

    status: int
    title: str

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail = status, title, detail
        self.errors, self.headers = errors, dict(headers or {})


class KindError(ProblemError):
    """A problem of one kind: the status and title are the kind's."""

    kind: ClassVar[Kind]

    def __init__(
        self,
        detail: str | None = None,
        *,
        title: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        kind = self.kind
        super().__init__(kind.status, title or kind.title, detail, errors=errors, headers=headers)


class BadRequestError(KindError):
    kind = KINDS["bad-request"]


class UnauthorizedError(KindError):
    kind = KINDS["unauthorized"]


class ForbiddenError(KindError):
    kind = KINDS["forbidden"]


class NotFoundError(KindError):
    kind = KINDS["not-found"]


class ConflictError(KindError):
    kind = KINDS["conflict"]


class PreconditionFailedError(KindError):
    kind = KINDS["precondition-failed"]


class InvalidError(KindError):
    kind = KINDS["invalid-input"]


class TooManyRequestsError(KindError):
    kind = KINDS["too-many-requests"]

    def __init__(self, detail: str | None = None, *, retry_after: float) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, round(retry_after)))})


class UnavailableError(KindError):
    kind = KINDS["unavailable"]
