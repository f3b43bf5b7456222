"""The event envelope: known versions in, everything else out with a reason."""

import base64
import json
import re
import uuid
from typing import Any

import pytest

from periplus.canonical import canonical_bytes
from periplus.events import Envelope, EventRejectedError, parse_envelope, utc_timestamp


def envelope(**changes: Any) -> dict[str, Any]:
    value: dict[str, Any] = {
        "spec": "periplus.event/1",
        "id": str(uuid.uuid4()),
        "source": "montevideo/trips-api",
        "seq": 42,
        "type": "trip.approved",
        "trip_id": str(uuid.uuid4()),
        "occurred_at": "2026-11-25T10:00:00.000Z",
        "data": {"reference": "MVD-2026-0042", "amount": "1234.50"},
    }
    value.update(changes)
    return value


def test_a_known_event_round_trips_to_the_same_canonical_bytes() -> None:
    raw = envelope()
    parsed = parse_envelope(json.dumps(raw, indent=2).encode())
    assert parsed.leaf == canonical_bytes(raw)
    assert parse_envelope(parsed.leaf) == parsed


def test_canonical_bytes_sort_keys_and_escape_minimally() -> None:
    assert canonical_bytes({"b": 1, "a": "é", "c": [True, None]}) == (
        '{"a":"é","b":1,"c":[true,null]}'.encode()
    )


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"{not json", "not JSON"),
        (b"[1, 2]", "JSON object"),
        (json.dumps(envelope(spec="periplus.event/3")).encode(), "unsupported spec"),
        (json.dumps(envelope(spec="periplus.event/2")).encode(), "carries sig"),
        (json.dumps(envelope(sig=base64.b64encode(bytes(68)).decode())).encode(), "carries sig"),
        (json.dumps(envelope(spec="periplus.event/2", sig="AAAA")).encode(), "sig is 3 bytes"),
        (json.dumps(envelope(spec="periplus.event/2", sig="not base64!")).encode(), "base64"),
        # The same 68 bytes with padding bits set: another leaf for the same signature.
        (
            json.dumps(envelope(spec="periplus.event/2", sig="A" * 90 + "B=")).encode(),
            "canonical base64",
        ),
        (json.dumps(envelope(type="trip.teleported")).encode(), "unknown event type"),
        (json.dumps(envelope(seq=0)).encode(), "seq"),
        (json.dumps(envelope(occurred_at="2026-11-25 10:00")).encode(), "occurred_at"),
        (json.dumps(envelope(occurred_at="2026-11-25T10:00:00Z\n")).encode(), "occurred_at"),
        (json.dumps(envelope(source="Not A Source")).encode(), "source"),
        (json.dumps({**envelope(), "extra": 1}).encode(), "extra"),
        (json.dumps(envelope(data={"n": 2**60})).encode(), "no RFC 8785 form"),
        (b'{"spec": "periplus.event/1", "data": {"x": NaN}}', "no RFC 8785 form|id"),
        (json.dumps(envelope(data={"name": "\ud800"})).encode(), "no RFC 8785 form"),
        (b'{"spec": "periplus.event/1", "data": ' + b"[" * 9999 + b"]" * 9999 + b"}", "too deep"),
    ],
)
def test_anything_else_is_rejected_with_its_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(EventRejectedError, match=reason):
        parse_envelope(raw)


def test_an_event_longer_than_a_log_entry_can_be_is_refused_unless_logged_already() -> None:
    raw = canonical_bytes(envelope(data={"summary": "x" * 65_536}))
    with pytest.raises(EventRejectedError, match="a log entry holds at most 65,535"):
        parse_envelope(raw)
    assert len(parse_envelope(raw, logged=True).leaf) > 65_535


def test_logged_bytes_must_be_their_events_own_form() -> None:
    """A log holds each event's RFC 8785 bytes: other bytes that a lenient reading takes
    for the same event (another spelling of its id, its seq as a string, a space) are no
    entry, since its source signed other bytes."""
    value = envelope()
    assert parse_envelope(canonical_bytes(value), logged=True).leaf == canonical_bytes(value)
    for other in (
        {**value, "id": str(value["id"]).upper()},
        {**value, "seq": str(value["seq"])},
    ):
        with pytest.raises(EventRejectedError, match="not the RFC 8785 form"):
            parse_envelope(canonical_bytes(other), logged=True)
    with pytest.raises(EventRejectedError, match="not the RFC 8785 form"):
        parse_envelope(json.dumps(value).encode(), logged=True)


def test_timestamps_are_utc_with_a_z() -> None:
    stamp = utc_timestamp()
    assert stamp.endswith("Z")
    Envelope.model_validate(envelope(occurred_at=stamp))


def test_a_copy_has_the_canonical_bytes_of_the_copy() -> None:
    original = parse_envelope(json.dumps(envelope()).encode())
    copy = original.model_copy(update={"seq": original.seq + 1})
    assert copy.leaf != original.leaf
    assert json.loads(copy.leaf)["seq"] == original.seq + 1


@pytest.mark.parametrize(
    ("data", "where", "char"),
    [
        ({"title": "Visit\x00to Quito"}, "data.title", "character U+0000"),
        (
            {"trip": {"travellers": [{"name": "Ana\x1bRocha"}]}},
            "data.trip.travellers.0.name",
            "character U+001B",
        ),
        ({"note": "back\bspace"}, "data.note", "character U+0008"),
        ({"note": "form\ffeed"}, "data.note", "character U+000C"),
        ({"note": "delete\x7f"}, "data.note", "character U+007F"),
        ({"note": "next\x85line"}, "data.note", "character U+0085"),  # C1, as UTF-8
        ({"note": "\x9b31m red"}, "data.note", "character U+009B"),
        ({"k\x01": "v"}, "a key in data", "character U+0001"),
    ],
)
def test_text_with_a_control_character_is_refused_where_it_is(
    data: dict[str, Any], where: str, char: str
) -> None:
    raw = json.dumps(envelope(data=data)).encode()
    with pytest.raises(EventRejectedError, match=re.escape(f"{where} holds the control {char}")):
        parse_envelope(raw)
    with pytest.raises(EventRejectedError, match=re.escape(char)):
        parse_envelope(json.loads(raw))
    # What a log took before the rule is still read as it was appended.
    assert parse_envelope(canonical_bytes(json.loads(raw)), logged=True).data == data


def test_tabs_line_breaks_and_their_look_alikes_are_text() -> None:
    data = {"purpose": "First line.\r\n\tSecond.", "path": "C:\\u0000\\b\\f", "é": "\u00a0°\u2028"}
    assert parse_envelope(json.dumps(envelope(data=data)).encode()).data == data
