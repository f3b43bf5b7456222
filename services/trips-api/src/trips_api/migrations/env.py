from periplus.migrations import run
from trips_api.departments.models import Department  # noqa: F401
from trips_api.events.models import Counter, Event  # noqa: F401  (registers the tables)
from trips_api.idempotency.models import IdempotencyRecord  # noqa: F401
from trips_api.keys.models import ApiKey  # noqa: F401
from trips_api.models import TripsModel
from trips_api.trips.models import Trip, TripVersion  # noqa: F401

run(TripsModel.metadata)
