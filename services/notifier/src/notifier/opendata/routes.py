"""``/data``: the open-data downloads, their Data Package and their DCAT-AP catalogue.

Every answer is read in one transaction with the checkpoint the read model
was verified against, and names it: the ``Periplus-Checkpoint`` header (origin,
size, root hash), the file name, and the descriptors. A reader can hold the
data against the ledger at that size.
"""

import csv
import io
import json
from collections.abc import Iterable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, Response
from sqlmodel import Session

from notifier import state
from notifier.ingest.models import VerifiedTree
from notifier.opendata import catalogue, repository
from notifier.opendata.rows import Context
from notifier.opendata.tables import TABLES, Table
from notifier.publish.routes.common import today, yearbook_of
from periplus import db
from periplus.errors import NotFoundError

router = APIRouter(prefix="/data", tags=["open data"])

TableName = Annotated[str, Path(pattern=r"^[a-z]+$", description=", ".join(TABLES))]
Format = Annotated[str, Path(pattern=r"^(csv|jsonl)$", description="csv or jsonl")]


def _checkpoint(tree: VerifiedTree | None) -> dict[str, Any] | None:
    if tree is None or not tree.checkpoint:
        return None
    origin, size, root = tree.checkpoint.split("\n")[:3]
    return {"origin": origin, "size": int(size), "root": root, "note": tree.checkpoint}


def _read(
    request: Request, *, rows: bool = True
) -> tuple[Context, dict[str, Any] | None, str | None]:
    """Every trip's state and the checkpoint they were verified under, read together.
    Without ``rows`` (a descriptor names the checkpoint and the newest change alone) the
    states are not read as models, nor the medians counted."""
    kept = state.of(request.app)
    settings = kept.settings
    with db.reading(kept.engine) as connection, Session(connection) as session:
        tree = repository.verified_tree(session)
        views = repository.trips_by_departure(session)
        states = [(view.trip_id, kept.states.of(view)) for view in views] if rows else []
        modified = max((view.updated_at for view in views), default=None)
        medians = yearbook_of(request, session, today()).medians if rows else {}
    context = Context(
        states,
        date.today(),
        settings.checklist,
        settings.public_url.rstrip("/"),
        settings.home,
        medians,
    )
    return context, _checkpoint(tree), modified


def _tag(checkpoint: dict[str, Any] | None, *parts: str) -> str:
    size = checkpoint["size"] if checkpoint else 0
    return '"' + "-".join([str(size), *parts]) + '"'


def _headers(checkpoint: dict[str, Any] | None, tag: str) -> dict[str, str]:
    headers = {"ETag": tag, "Cache-Control": "public, max-age=60"}
    if checkpoint is not None:
        headers["Periplus-Checkpoint"] = (
            f"origin={checkpoint['origin']}; size={checkpoint['size']}; root={checkpoint['root']}"
        )
    return headers


def _unchanged(request: Request, tag: str) -> bool:
    return tag in {t.strip() for t in request.headers.get("if-none-match", "").split(",")}


@router.get("/datapackage.json", summary="The Frictionless Data Package of every table")
def datapackage(request: Request) -> Response:
    settings = state.of(request.app).settings
    _, checkpoint, _ = _read(request, rows=False)
    tag = _tag(checkpoint, "datapackage")
    if _unchanged(request, tag):
        return Response(status_code=304, headers=_headers(checkpoint, tag))
    body = catalogue.datapackage(
        settings.public_url.rstrip("/"), settings.site_name, settings.data_license, checkpoint
    )
    return JSONResponse(body, headers=_headers(checkpoint, tag))


@router.get("/catalog.jsonld", summary="The DCAT-AP catalogue, for data portals")
def catalog(request: Request) -> Response:
    settings = state.of(request.app).settings
    _, checkpoint, modified = _read(request, rows=False)
    tag = _tag(checkpoint, "catalog")
    if _unchanged(request, tag):
        return Response(status_code=304, headers=_headers(checkpoint, tag))
    body = catalogue.catalog(
        settings.public_url.rstrip("/"),
        settings.site_name,
        settings.data_license,
        modified,
        checkpoint,
    )
    return JSONResponse(body, media_type="application/ld+json", headers=_headers(checkpoint, tag))


@router.get(
    "/{name}.{extension}",
    summary="One table, as CSV or JSON Lines",
    responses={404: {"description": "No such table"}},
)
def download(request: Request, name: TableName, extension: Format) -> Response:
    table = TABLES.get(name)
    if table is None:
        raise NotFoundError(f"No table is called {name!r}; the tables: {', '.join(TABLES)}.")
    context, checkpoint, _ = _read(request)
    # Signals judge against today (a report falls due), so their tag carries the day.
    tag = _tag(checkpoint, name, extension, context.today.isoformat() if name == "signals" else "")
    headers = _headers(checkpoint, tag)
    size = checkpoint["size"] if checkpoint else 0
    headers["Content-Disposition"] = f'attachment; filename="{name}-{size}.{extension}"'
    if _unchanged(request, tag):
        return Response(status_code=304, headers=headers)
    rows = table.rows(context)
    if extension == "csv":
        return Response(_csv(table, rows), media_type="text/csv; charset=utf-8", headers=headers)
    return Response(_jsonl(table, rows), media_type="application/jsonl", headers=headers)


# What a spreadsheet reads as the start of a formula (OWASP's list for CSV injection).
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _inert(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula, made plain text by a leading
    apostrophe. Trip text comes from city systems and reaches journalists' spreadsheets;
    the JSON Lines download keeps it exactly."""
    return f"'{value}" if isinstance(value, str) and value.startswith(_FORMULA) else value


def _csv(table: Table, rows: Iterable[dict[str, Any]]) -> str:
    out = io.StringIO()
    names = [column.name for column in table.columns]
    text = [column.name for column in table.columns if column.type == "string"]
    writer = csv.DictWriter(out, names, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, **{name: _inert(row.get(name)) for name in text}})
    return out.getvalue()


def _jsonl(table: Table, rows: Iterable[dict[str, Any]]) -> str:
    """One JSON object a line, keys in the table's order; amounts stay decimal strings."""
    names = [column.name for column in table.columns]
    return "".join(
        json.dumps({n: row.get(n) for n in names}, ensure_ascii=False, default=str) + "\n"
        for row in rows
    )
