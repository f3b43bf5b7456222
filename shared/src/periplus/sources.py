"""Who may speak for a source: its keys, and the check of every event it signs.

A source (a city's trips-api) signs each event with an Ed25519 key whose
verifier key is named after the source (``demo-city/trips-api+<id>+<key>``).
A reader takes the first keys from its own configuration, never from the
server it checks, and follows the source's own rotations: a
``source.key_rotated`` event, signed by the key in force, names the key that
signs from the next ``seq`` on, and retires the old one after it.
"""

import base64
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from periplus.canonical import canonical_bytes
from periplus.events import SPEC, Envelope, EventRejectedError, utc_timestamp
from periplus.note import NoteError, Signer, Verifier

ROTATION = "source.key_rotated"
NO_TRIP = uuid.UUID(int=0)  # the trip id of events about the source itself


def sign(
    signer: Signer,
    *,
    seq: int,
    type_: str,
    trip_id: uuid.UUID,
    data: dict[str, Any],
    event_id: uuid.UUID | None = None,
    occurred_at: str | None = None,
) -> Envelope:
    """A ``periplus.event/2`` envelope of ``signer``'s source, signed by it."""
    body: dict[str, Any] = {
        "spec": SPEC,
        "id": str(event_id or uuid.uuid4()),
        "source": signer.name,
        "seq": seq,
        "type": type_,
        "trip_id": str(trip_id),
        "occurred_at": occurred_at or utc_timestamp(),
        "data": data,
    }
    try:
        signed = canonical_bytes(body)
    except (ValueError, RecursionError) as exc:
        raise EventRejectedError(f"the event has no RFC 8785 form: {exc}") from exc
    signature = signer.verifier.key_id + signer.private_key.sign(signed)
    return Envelope.model_validate({**body, "sig": base64.b64encode(signature).decode()})


def rotation_data(new: Verifier) -> dict[str, Any]:
    """The data of a ``source.key_rotated`` event naming ``new``."""
    return {"key": str(new)}


@dataclass
class _Key:
    verifier: Verifier
    public: VerifyKey  # libsodium's: the ledger and the notifier check every event
    first: int  # the first seq this key may sign
    last: int | None = None  # the last, once a rotation retired it


@dataclass
class SourceKeys:
    """The keys of each source a reader trusts, with the seqs each may sign."""

    _keys: dict[str, dict[bytes, _Key]] = field(default_factory=dict)

    @classmethod
    def configured(cls, keys: Mapping[str, Iterable[str]]) -> "SourceKeys":
        """From ``{source: [vkey, ...]}``; every key must be named after its source."""
        registry = cls()
        for source, vkeys in keys.items():
            registry._keys.setdefault(source, {})
            for text in vkeys:
                registry.trust(source, Verifier.parse(text))
        return registry

    def trust(self, source: str, verifier: Verifier, first: int = 1) -> None:
        if verifier.name != source:
            raise NoteError(f"a key of {source} must be named {source}, not {verifier.name}")
        public = VerifyKey(verifier.public_key)
        self._keys.setdefault(source, {})[verifier.key_id] = _Key(verifier, public, first)

    def __contains__(self, source: object) -> bool:
        return source in self._keys

    def names(self) -> list[str]:
        return list(self._keys)

    def keys(self, source: str) -> list[Verifier]:
        return [key.verifier for key in self._keys.get(source, {}).values()]

    def check(self, envelope: Envelope) -> Verifier:
        """The key that signed ``envelope``, or EventRejectedError saying why it is refused."""
        if envelope.sig is None:
            raise EventRejectedError(
                f"an unsigned {envelope.spec} event; only signed {SPEC} events are taken"
            )
        keys = self._keys.get(envelope.source)
        if not keys:
            raise EventRejectedError(f"no key of source {envelope.source!r} is configured")
        key_id, signature = envelope.signature
        key = keys.get(key_id)
        if key is None:
            raise EventRejectedError(
                f"signed by key id {key_id.hex()}, which is not a key of {envelope.source}"
            )
        if envelope.seq < key.first:
            raise EventRejectedError(
                f"key {key_id.hex()} of {envelope.source} signs only from seq {key.first}"
            )
        if key.last is not None and envelope.seq > key.last:
            raise EventRejectedError(
                f"key {key_id.hex()} of {envelope.source} was retired after seq {key.last}"
            )
        try:
            key.public.verify(envelope.signed_bytes, signature)
        except BadSignatureError:
            raise EventRejectedError(
                f"the signature does not verify under key {key_id.hex()} of {envelope.source}"
            ) from None
        return key.verifier

    def follow(self, envelope: Envelope) -> Verifier | None:
        """Take up the key that a checked ``source.key_rotated`` event names.

        The key that signed the rotation signs nothing after it. Returns the
        new key, or None if the event is no rotation.
        """
        if envelope.type != ROTATION:
            return None
        old = self.check(envelope)
        try:
            new = Verifier.parse(str(envelope.data.get("key")))
        except NoteError as exc:
            raise EventRejectedError(f"the rotation names no valid key: {exc}") from exc
        if new.name != envelope.source:
            raise EventRejectedError(f"the new key is not named {envelope.source}")
        keys = self._keys[envelope.source]
        keys[old.key_id].last = envelope.seq
        if new.key_id not in keys:
            self.trust(envelope.source, new, first=envelope.seq + 1)
        return new
