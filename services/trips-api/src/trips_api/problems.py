"""The entries of a problem's ``errors`` list: where the fault is, what it is, its kind."""

from typing import Any

from pydantic import ValidationError

from periplus.problems import location


def error(location: str, message: str, type_: str = "value_error") -> dict[str, Any]:
    return {"location": location, "message": message, "type": type_}


def validation_errors(exc: ValidationError, prefix: str) -> list[dict[str, Any]]:
    """Pydantic's errors as problem faults, each at its exact location under ``prefix``."""
    return [error(location([prefix, *e["loc"]]), e["msg"], e["type"]) for e in exc.errors()]
