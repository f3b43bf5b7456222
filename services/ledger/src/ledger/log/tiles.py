"""C2SP tlog-tiles read paths, built from the stored nodes.

A tile at level L holds up to 256 hashes of level 8·L of the tree; an entry
bundle holds up to 256 leaves, each preceded by its length (big-endian
uint16). Only what the latest signed checkpoint covers is served, so a mirror
on static hosting can copy full tiles once and cache them for ever.
"""

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import PlainTextResponse, Response
from sqlmodel import Session, col, select

from ledger import state
from ledger.deps import SessionDep
from ledger.log.models import Entry, Node
from ledger.log.repository import latest_checkpoint
from ledger.log.routes import served_response
from periplus.errors import NotFoundError
from periplus.tiles import WIDTH, BundleError, bundle, parse_path

router = APIRouter(tags=["tiles"])

IMMUTABLE = "public, max-age=31536000, immutable"
PARTIAL = "public, max-age=60"
# A full bundle's bytes change once: when an entry of it is withheld under law. Caches
# keep it a day, not a year, so a withholding reaches them without a purge.
BUNDLE = "public, max-age=86400"


def parse_index(path: str) -> tuple[int, int]:
    """``x001/x234/067`` or ``067.p/17`` to (tile index, width); 404 if malformed."""
    try:
        return parse_path(path)
    except ValueError as exc:
        raise NotFoundError(str(exc)) from exc


def _signed_size(session: Session) -> int:
    latest = latest_checkpoint(session)
    return 0 if latest is None else latest.size


def _covered(session: Session, level: int, index: int, width: int) -> None:
    if ((index * WIDTH + width) << level) > _signed_size(session):
        raise NotFoundError("No signed checkpoint covers that tile yet.")


def _binary(body: bytes, width: int, full: str = IMMUTABLE) -> Response:
    cache = full if width == WIDTH else PARTIAL
    return Response(body, media_type="application/octet-stream", headers={"Cache-Control": cache})


@router.get(
    "/checkpoint",
    response_class=PlainTextResponse,
    summary="The checkpoint to rely on, at the tlog-tiles path (as /v1/log/checkpoint)",
)
def checkpoint(request: Request, session: SessionDep) -> PlainTextResponse:
    return served_response(session, state.of(request.app).policy)


@router.get("/tile/entries/{path:path}", summary="An entry bundle (tlog-tiles)")
def entry_bundle(session: SessionDep, path: str) -> Response:
    index, width = parse_index(path)
    _covered(session, 0, index, width)
    first = index * WIDTH
    rows = session.exec(
        select(Entry.leaf)
        .where(col(Entry.index) >= first, col(Entry.index) < first + width)
        .order_by(col(Entry.index))
    ).all()
    if len(rows) != width:
        raise NotFoundError("The log lacks entries of that bundle.")
    try:
        return _binary(bundle(rows), width, BUNDLE)
    except BundleError as exc:
        raise NotFoundError("A leaf of that bundle is too long for a bundle.") from exc


@router.get("/tile/{level}/{path:path}", summary="A tile of tree hashes (tlog-tiles)")
def tile(session: SessionDep, level: Annotated[int, Path(ge=0, le=63)], path: str) -> Response:
    index, width = parse_index(path)
    tree_level = 8 * level
    _covered(session, tree_level, index, width)
    first = index * WIDTH
    hashes = session.exec(
        select(Node.hash)
        .where(
            col(Node.level) == tree_level,
            col(Node.index) >= first,
            col(Node.index) < first + width,
        )
        .order_by(col(Node.index))
    ).all()
    if len(hashes) != width:
        raise NotFoundError("The log lacks hashes of that tile.")
    return _binary(b"".join(hashes), width)
