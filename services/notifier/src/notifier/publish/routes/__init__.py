"""The public site's routes, one module per kind of thing it serves."""

from fastapi import APIRouter

from notifier.publish.routes import (
    assets,
    cards,
    digests,
    feeds,
    pages,
    travel,
    trip,
    verifier,
    verify,
)

router = APIRouter()
for part in (verify, pages, trip, cards, assets, verifier, feeds, digests, travel):
    router.include_router(part.router)
