"""The fan-out's index finds exactly the subscriptions whose filters a notice matches, of
those made before it."""

import random
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from notifier.channels.filters import Filters
from notifier.channels.webhooks.index import SubscriptionIndex

TRIPS = [str(uuid.uuid4()) for _ in range(5)]
DEPARTMENTS = ["Mobility", "International Relations", "Culture", "Environment"]
TYPES = ["trip.approved", "trip.reported", "followup.updated", "alert.report_overdue"]
START = datetime(2026, 12, 1, tzinfo=UTC)


T = TypeVar("T")


def some(rng: random.Random, values: Sequence[T]) -> list[T]:
    """None (half the time), one or two of ``values``."""
    return rng.sample(list(values), rng.choice([0, 0, 1, 2]))


def spelled(rng: random.Random, values: list[str]) -> list[str]:
    """The values as a reader may write them: in another case now and then."""
    return [v.upper() if rng.random() < 0.3 else v for v in values]


def test_the_index_answers_as_every_subscriptions_filters_would() -> None:
    rng = random.Random(20261130)
    subscriptions: dict[str, tuple[Filters, datetime]] = {}
    index = SubscriptionIndex()
    for n in range(300):
        filters = Filters.of(
            spelled(rng, some(rng, TRIPS)),
            spelled(rng, some(rng, DEPARTMENTS)),
            some(rng, [11, 13, 17]),
            some(rng, TYPES),
        )
        made = START + timedelta(seconds=rng.randrange(100))
        subscriptions[f"sub-{n:03d}"] = filters, made
        index.add(f"sub-{n:03d}", filters, made)
    matched, too_young = 0, 0
    for _ in range(500):
        type_ = rng.choice(TYPES)
        trip = rng.choice(TRIPS)
        departments = spelled(rng, some(rng, DEPARTMENTS))
        goals = some(rng, [11, 13, 17])
        notice_made = START + timedelta(seconds=rng.randrange(120))
        admitted = [
            (sub_id, made)
            for sub_id, (filters, made) in subscriptions.items()
            if filters.matches(type_, trip, departments, goals)
        ]
        expected = sorted(sub_id for sub_id, made in admitted if made <= notice_made)
        assert index.matching(type_, trip, departments, goals, notice_made) == expected
        matched += len(expected)
        too_young += len(admitted) - len(expected)
    assert matched > 500  # the notices met subscriptions of every kind, not only none
    assert too_young > 100  # and subscriptions made after them, which they did not go to
