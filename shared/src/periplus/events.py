"""The event envelope: the one shape in which a public fact travels and is logged.

Readers accept the spec versions they know and reject anything else with a
reason, so a malformed event is quarantined rather than logged or lost.

``periplus.event/2`` carries ``sig``: its source's Ed25519 signature over the
RFC 8785 bytes of the envelope without ``sig``, as base64 of the 4-byte key id
and the 64-byte signature. ``periplus.event/1`` (no ``sig``) was the first form
and stays readable, because logs keep what they appended.

Text in ``data`` (keys and values) carries no control character but tab, line
feed and carriage return, which free text (a purpose, a report) needs: a NUL
is valid JSON and valid RFC 8785, yet PostgreSQL cannot store it in text, and
no other control character means anything on a public page. An entry a log
took before this rule is still read as it was appended (``logged=True``).
"""

import base64
import binascii
import contextlib
import json
import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, Final, Literal, Self

import orjson
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from periplus import tiles
from periplus.canonical import canonical_bytes

SPEC: Final = "periplus.event/2"
UNSIGNED_SPEC: Final = "periplus.event/1"
SPECS = (UNSIGNED_SPEC, SPEC)
TRIPS_TOPIC = "trips.events.v1"
LEDGER_TOPIC = "ledger.entries.v1"

EVENT_TYPES = frozenset(
    {
        "trip.approved",
        "trip.amended",
        "trip.cancelled",
        "trip.completed",
        "trip.reported",
        "trip.closed",
        "trip.corrected",
        "trip.change_pending",
        "trip.change_rejected",
        "followup.updated",
        "entry.withheld",  # the ledger's own notice that an entry's bytes are withheld
        "source.key_rotated",  # a source names its next key, signed by its current one
        "source.seq_resolved",  # the ledger's own notice that it moved past a source's seq
    }
)
WITHHELD = "entry.withheld"
SEQ_RESOLVED = "source.seq_resolved"
LEDGER_NOTICES = frozenset({WITHHELD, SEQ_RESOLVED})
"""Types only the ledger's own source may state, signed by the log key."""
SIGNATURE_BYTES = 4 + 64

_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")
_SOURCE = re.compile(r"^[a-z0-9][a-z0-9.-]{0,62}/[a-z0-9][a-z0-9.-]{0,62}$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""The control characters (C0, DEL and C1) refused in an event's text: all but tab, line
feed and carriage return."""
# The same, as RFC 8785 writes them: an unescaped backslash before \u00XX, \b or \f
# (tab, line feed and carriage return have short escapes of their own), DEL as is, or a
# C1 character as its two UTF-8 bytes (0xC2 is never a continuation byte).
_ESCAPED_CONTROL = re.compile(rb"(?:^|[^\\])(?:\\\\)*\\(?:u00|b|f)|\x7f|\xc2[\x80-\x9f]")


def _may_hold_control(leaf: bytes) -> bool:
    """A fast first look: RFC 8785 writes a control character as one of these."""
    return (
        b"\\u00" in leaf or b"\\b" in leaf or b"\\f" in leaf or b"\x7f" in leaf or b"\xc2" in leaf
    )


class EventRejectedError(ValueError):
    """An event that no reader of this version may accept; the message says why."""


def utc_timestamp(moment: datetime | None = None) -> str:
    """RFC 3339 in UTC with a Z, to the millisecond: one spelling for every service."""
    moment = (moment or datetime.now(UTC)).astimezone(UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Envelope(BaseModel):
    """One public fact about a trip, as the ledger logs it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    spec: Literal["periplus.event/1", "periplus.event/2"] = SPEC
    id: uuid.UUID
    source: str = Field(pattern=_SOURCE.pattern, description="`<city id>/<service>`")
    seq: int = Field(ge=1, description="Gapless per source, from 1.")
    type: str
    trip_id: uuid.UUID
    occurred_at: str
    data: dict[str, Any]
    sig: str | None = Field(
        default=None,
        description="base64(key id || Ed25519 signature) of the envelope without `sig`.",
    )

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in EVENT_TYPES:
            raise ValueError(f"unknown event type {value!r}")
        return value

    @field_validator("occurred_at")
    @classmethod
    def _utc(cls, value: str) -> str:
        if not _TIMESTAMP.fullmatch(value):
            raise ValueError("occurred_at must be RFC 3339 in UTC ending in Z")
        return value

    @field_validator("sig")
    @classmethod
    def _signature_shape(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                raw = base64.b64decode(value, validate=True)
            except binascii.Error as exc:
                raise ValueError("sig is not base64") from exc
            if len(raw) != SIGNATURE_BYTES:
                raise ValueError(f"sig is {len(raw)} bytes, not {SIGNATURE_BYTES}")
            # One spelling per signature: base64 with other padding bits decodes to the
            # same bytes, and would log the same signed event as another leaf.
            if base64.b64encode(raw).decode() != value:
                raise ValueError("sig is not in canonical base64")
        return value

    @model_validator(mode="after")
    def _canonical(self, info: ValidationInfo) -> Self:
        if (self.sig is None) != (self.spec == UNSIGNED_SPEC):
            raise ValueError(f"{SPEC} carries sig and {UNSIGNED_SPEC} does not")
        # An event the log could not hash is no event: refuse it here, once,
        # and keep the bytes, which every service needs.
        try:
            # Kept where cached_property keeps it, without its lock (Python 3.11).
            leaf = self.__dict__["leaf"] = canonical_bytes(self.to_json())
        except (ValueError, RecursionError) as exc:
            raise ValueError(f"the event has no RFC 8785 form: {exc}") from exc
        logged = bool(info.context and info.context.get("logged"))
        if not logged and len(leaf) > tiles.LONGEST:
            raise ValueError(
                f"the event is {len(leaf):,} bytes; a log entry holds at most "
                f"{tiles.LONGEST:,} (tlog-tiles entry bundles)"
            )
        # Searched in the canonical bytes, in C, rather than string by string.
        if not logged and _may_hold_control(leaf) and _ESCAPED_CONTROL.search(leaf):
            where, char = _control(self.data, "data")
            raise ValueError(
                f"{where} holds the control character U+{ord(char):04X}; "
                "only tab, line feed and carriage return are allowed in text"
            )
        return self

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy whose canonical bytes are those of the copy, not of the original."""
        copy = super().model_copy(update=update, deep=deep)
        copy.__dict__.pop("leaf", None)
        return copy

    def to_json(self, *, signed: bool = True) -> dict[str, Any]:
        """The envelope as JSON; ``signed=False`` leaves out ``sig`` (what is signed)."""
        value = {
            "spec": self.spec,
            "id": str(self.id),
            "source": self.source,
            "seq": self.seq,
            "type": self.type,
            "trip_id": str(self.trip_id),
            "occurred_at": self.occurred_at,
            "data": self.data,
        }
        if signed and self.sig is not None:
            value["sig"] = self.sig
        return value

    @cached_property
    def leaf(self) -> bytes:
        """The RFC 8785 canonical bytes: what the ledger hashes."""
        return canonical_bytes(self.to_json())

    @property
    def signed_bytes(self) -> bytes:
        """The RFC 8785 bytes of the envelope without ``sig``: what its source signed.

        Cut from the leaf rather than encoded again: RFC 8785 sorts the members,
        so the top-level ``sig`` sits, last of its spelling, between ``seq`` and
        ``source``, and the bytes around it are those of the envelope without it.
        """
        if self.sig is None:
            return self.leaf
        member = b',"sig":"' + self.sig.encode() + b'"'
        at = self.leaf.rfind(member + b',"source":')
        return self.leaf[:at] + self.leaf[at + len(member) :]

    @property
    def signature(self) -> tuple[bytes, bytes]:
        """The key id and the Ed25519 signature; only a signed envelope has them."""
        if self.sig is None:
            raise EventRejectedError(f"an {UNSIGNED_SPEC} event is not signed")
        raw = base64.b64decode(self.sig)
        return raw[:4], raw[4:]


def _control(value: Any, where: str) -> tuple[str, str]:
    """Where in ``value`` the first refused control character is, and which it is."""
    if isinstance(value, str):
        found = CONTROL.search(value)
        return (where, found.group()) if found else ("", "")
    items: list[tuple[Any, Any]] = []
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list):
        items = list(enumerate(value))
    for key, child in items:
        if isinstance(key, str) and (found := CONTROL.search(key)):
            return f"a key in {where}", found.group()
        path, char = _control(child, f"{where}.{key}")
        if path:
            return path, char
    return "", ""


def parse_envelope(raw: bytes | str | dict[str, Any], *, logged: bool = False) -> Envelope:
    """Read an envelope of a known version, or raise EventRejectedError with the reason.

    ``logged``: the bytes are an entry a log holds already, read as they were
    appended; the rule on control characters is for what enters a log. Such bytes
    must be the event's own RFC 8785 form: a log holds nothing else, and a
    signature checked on what a lenient reading made of other bytes (``"seq":"1"``,
    an upper-case id) would vouch for bytes that its source never signed.
    """
    envelope = _parse(raw, logged)
    if logged and isinstance(raw, bytes) and envelope.leaf != raw:
        raise EventRejectedError("the entry's bytes are not the RFC 8785 form of its event")
    return envelope


def _parse(raw: bytes | str | dict[str, Any], logged: bool) -> Envelope:
    context = {"logged": logged}
    if not isinstance(raw, dict):
        try:
            # orjson and pydantic, both in native code, take a valid event fastest.
            return Envelope.model_validate(orjson.loads(raw), context=context)
        except (orjson.JSONDecodeError, ValidationError):
            pass  # read it again below, to say why in this reader's words
    try:
        value = raw if isinstance(raw, dict) else json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EventRejectedError(f"not JSON: {exc}") from exc
    except RecursionError as exc:
        raise EventRejectedError("not JSON this reader can take: nested too deep") from exc
    if not isinstance(value, dict):
        raise EventRejectedError("an event is a JSON object")
    if value.get("spec") not in SPECS:
        raise EventRejectedError(
            f"unsupported spec {value.get('spec')!r}; this reader knows {', '.join(SPECS)}"
        )
    try:
        return Envelope.model_validate(value, context=context)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'event'}: {e['msg']}" for e in exc.errors()
        )
        raise EventRejectedError(problems) from exc


def copies(raw: bytes, event: Mapping[str, Any]) -> bool:
    """Whether refused bytes copy ``event``, so withholding the entry erases them too: a
    whole event, bare or as an announcement's ``event``, with its id in any spelling a UUID
    reader takes (upper case, without hyphens, as a URN) or its data; or any bytes, read or
    not (an announcement cut short), that state its id in any spelling.

    Bytes that state only some texts of its data are not taken for a copy: other trips of
    the same department, city or traveller state them too, and their refused bytes are the
    evidence of what was refused."""
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        value = None
    nested = value.get("event") if isinstance(value, dict) else None
    if any(isinstance(v, dict) and _same_event(v, event) for v in (value, nested)):
        return True
    return _states_id(raw, event)


def _same_event(value: Mapping[str, Any], event: Mapping[str, Any]) -> bool:
    """Whether an event read from refused bytes is ``event``: the same data or id."""
    if event.get("data") and value.get("data") == event["data"]:
        return True
    try:
        return uuid.UUID(str(value.get("id"))) == uuid.UUID(str(event.get("id")))
    except ValueError:
        return False


def _states_id(raw: bytes, event: Mapping[str, Any]) -> bool:
    """Whether bytes, as written or once decoded, hold the event's id in any spelling (hex,
    either case, hyphens anywhere)."""
    text = raw.decode("utf-8", "replace")
    with contextlib.suppress(ValueError, RecursionError):
        text += "\n" + json.dumps(json.loads(raw), ensure_ascii=False)
    try:
        return uuid.UUID(str(event.get("id"))).hex in text.lower().replace("-", "")
    except ValueError:
        return False
