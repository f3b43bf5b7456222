"""Who may speak for a source: its keys, and the check of every event it signs.

A source (a city's trips-api) signs each event with an Ed25519 key whose
verifier key is named after the source (``demo-city/trips-api+<id>+<key>``).
A reader takes the first keys from its own configuration, never from the
server it checks, and follows the source's own rotations: a
``source.key_rotated`` event, signed by the key in force, names the key that
signs from the next ``seq`` on, and retires the old one after it.
"""

import base64
import os
import threading
import uuid
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from periplus.canonical import canonical_bytes
from periplus.events import SPEC, Envelope, EventRejectedError, parse_envelope, utc_timestamp
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
    # EventRejectedError, saying why, for an event no reader may take (too long, say).
    return parse_envelope({**body, "sig": base64.b64encode(signature).decode()})


class Signed(Protocol):
    """What checking a signature reads of an event: an ``Envelope`` or its ``Claim``."""

    @property
    def spec(self) -> str: ...

    @property
    def source(self) -> str: ...

    @property
    def seq(self) -> int: ...

    @property
    def sig(self) -> str | None: ...

    @property
    def signed_bytes(self) -> bytes: ...


class Claim(NamedTuple):
    """An envelope's signature and what it signs, without the envelope: a reader that
    checks a batch at once keeps these, not every event's data, until it is done."""

    spec: str
    source: str
    seq: int
    sig: str | None
    signed_bytes: bytes

    @classmethod
    def of(cls, envelope: Envelope) -> "Claim":
        signed = envelope.signed_bytes
        return cls(envelope.spec, envelope.source, envelope.seq, envelope.sig, signed)


def rotation(old: Signer, seq: int, new: Verifier) -> Envelope:
    """The ``source.key_rotated`` event, signed by ``old`` as its source's ``seq``, that names
    ``new`` the key of every later event."""
    return sign(old, seq=seq, type_=ROTATION, trip_id=NO_TRIP, data={"key": str(new)})


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

    def spans(self, source: str) -> list[tuple[Verifier, int, int | None]]:
        """Each key of ``source`` with the first and last seq it may sign (None: no end yet)."""
        return [(key.verifier, key.first, key.last) for key in self._keys.get(source, {}).values()]

    def check(self, envelope: Signed) -> Verifier:
        """The key that signed ``envelope``, or EventRejectedError saying why it is refused."""
        key, signature = self._key_for(envelope)
        _verify(key, envelope, signature)
        return key.verifier

    def check_many(self, envelopes: Sequence[Signed]) -> list[Verifier | EventRejectedError]:
        """``check`` of each envelope (or claim), answered in order, with the error in place
        of a refused one.

        libsodium lets go of the interpreter while it verifies, so a large batch
        is spread over a thread per core and checks while parsing and writing go on.
        """
        found: list[Verifier | EventRejectedError] = []
        pending: list[tuple[int, _Key, bytes, bytes]] = []
        for envelope in envelopes:
            try:
                key, signature = self._key_for(envelope)
            except EventRejectedError as exc:
                found.append(exc)
                continue
            pending.append((len(found), key, envelope.signed_bytes, signature))
            found.append(key.verifier)
        if len(pending) < _PARALLEL_FROM:
            failed = _verify_all(pending)
        else:
            share = -(-len(pending) // _WORKERS)
            chunks = [pending[i : i + share] for i in range(0, len(pending), share)]
            failed = [i for part in _pool().map(_verify_all, chunks) for i in part]
        for at in failed:
            found[at] = _bad_signature(envelopes[at], _split(envelopes[at])[0])
        return found

    def _key_for(self, envelope: Signed) -> tuple[_Key, bytes]:
        """The key that may have signed ``envelope`` at its seq, and the signature to check."""
        if envelope.sig is None:
            raise EventRejectedError(
                f"an unsigned {envelope.spec} event; only signed {SPEC} events are taken"
            )
        keys = self._keys.get(envelope.source)
        if not keys:
            raise EventRejectedError(f"no key of source {envelope.source!r} is configured")
        key_id, signature = _split(envelope)
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
        return key, signature

    def follow(self, envelope: Envelope) -> Verifier | None:
        """Take up the key that a checked ``source.key_rotated`` event names.

        The key that signed the rotation signs nothing after it. Only a key in
        force may rotate: a retired key is the one most likely to have leaked,
        and a rotation it signed at one of its old seqs would otherwise name a
        key of the attacker's for every seq to come. The rotation that retired
        it, read again, is taken as it was. Returns the new key, or None if the
        event is no rotation.
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
        retired = keys[old.key_id].last
        if retired is not None:
            successor = keys.get(new.key_id)
            if retired == envelope.seq and successor and successor.first == retired + 1:
                return new  # the rotation already followed, read again
            raise EventRejectedError(
                f"key {old.key_id.hex()} of {envelope.source} was retired at seq {retired}; "
                "only a key in force may name another"
            )
        keys[old.key_id].last = envelope.seq
        if new.key_id not in keys:
            self.trust(envelope.source, new, first=envelope.seq + 1)
        return new


# Below this many signatures a batch is checked where it stands: threads cost more.
_PARALLEL_FROM = 64
_WORKERS = os.cpu_count() or 1
_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(_WORKERS, thread_name_prefix="signatures")
        return _executor


def _split(envelope: Signed) -> tuple[bytes, bytes]:
    """The key id and the signature of a signed event (as ``Envelope.signature``)."""
    raw = base64.b64decode(envelope.sig or "")
    return raw[:4], raw[4:]


def _verify(key: _Key, envelope: Signed, signature: bytes) -> None:
    try:
        key.public.verify(envelope.signed_bytes, signature)
    except BadSignatureError:
        raise _bad_signature(envelope, key.verifier.key_id) from None


def _verify_all(pending: list[tuple[int, _Key, bytes, bytes]]) -> list[int]:
    """The places of the signatures among ``pending`` that do not verify."""
    failed = []
    for at, key, message, signature in pending:
        try:
            key.public.verify(message, signature)
        except BadSignatureError:
            failed.append(at)
    return failed


def _bad_signature(envelope: Signed, key_id: bytes) -> EventRejectedError:
    return EventRejectedError(
        f"the signature does not verify under key {key_id.hex()} of {envelope.source}"
    )
