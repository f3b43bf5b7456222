"""What the log keeps of an event: a small, plain record of the validated envelope.

Plain fields, the canonical bytes and the trip's tags are all that appending
needs; they are read once, while the record is parsed, outside the writer.
"""

from typing import NamedTuple

from periplus.events import Envelope


class Fact(NamedTuple):
    id: str
    source: str
    seq: int
    type: str
    trip_id: str
    occurred_at: str
    leaf: bytes  # the RFC 8785 bytes of the envelope
    tags: tuple[tuple[str, str], ...]  # ("department" | "sdg", value), for auditors' queries


def fact(envelope: Envelope) -> Fact:
    return Fact(
        str(envelope.id),
        envelope.source,
        envelope.seq,
        envelope.type,
        str(envelope.trip_id),
        envelope.occurred_at,
        envelope.leaf,
        _tags(envelope),
    )


def _tags(envelope: Envelope) -> tuple[tuple[str, str], ...]:
    """The departments and SDG goals of a trip snapshot, so every entry of it can be found.

    The log takes what its source signed, whatever the shape of ``data``: a
    field of another shape than a snapshot's gives no tag, never an error.
    """
    trip = envelope.data.get("trip")
    if not isinstance(trip, dict):
        return ()
    tags: dict[tuple[str, str], None] = {}
    for department in [trip.get("lead_department"), *_list(trip.get("departments"))]:
        if isinstance(department, str) and department:
            tags["department", department[:200]] = None
    for goal in _list(trip.get("sdg_goals")):
        if isinstance(goal, int) and not isinstance(goal, bool):
            tags["sdg", str(goal)] = None
    return tuple(tags)


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []
