"""The trips API's routes, one module per part of a trip's life."""

from fastapi import APIRouter

from trips_api.trips.routes import corrections, lifecycle, reads, revisions

router = APIRouter(tags=["trips"])
for part in (lifecycle, reads, revisions, corrections):
    router.include_router(part.router, prefix="/v1/trips")
