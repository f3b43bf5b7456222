"""The public site's routes, one module per kind of thing it serves."""

from fastapi import APIRouter

from notifier.publish.routes import (
    assets,
    cards,
    digests,
    feeds,
    notices,
    pages,
    travel,
    trip,
    verifier,
    verify,
)

router = APIRouter()
for part in (verify, pages, trip, cards, assets, verifier, feeds, digests, travel, notices):
    router.include_router(part.router)
