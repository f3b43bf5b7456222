"""Source signatures: what a source signs is what a reader checks, under pinned keys."""

import json
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from periplus import sources
from periplus.canonical import canonical_bytes
from periplus.events import EventRejectedError, parse_envelope
from periplus.note import NoteError, Signer, Verifier
from periplus.sources import SourceKeys

SOURCE = "lisboa/trips-api"
# Text an event may carry: no control character (C0, DEL, C1) but tab, line feed and
# carriage return.
TEXT = st.characters(
    codec="utf-8",
    exclude_characters=[c for c in map(chr, range(0x20)) if c not in "\t\n\r"]
    + [chr(c) for c in range(0x7F, 0xA0)],
)


def signer(name: str = SOURCE) -> Signer:
    return Signer(name, Ed25519PrivateKey.generate())


def signed(key: Signer, seq: int = 1, data: dict[str, object] | None = None) -> bytes:
    trip = uuid.uuid4()
    return sources.sign(key, seq=seq, type_="trip.closed", trip_id=trip, data=data or {}).leaf


def test_the_signature_covers_the_canonical_envelope_without_sig() -> None:
    key = signer()
    envelope = parse_envelope(signed(key, data={"reference": "LIS-2026-0001"}))
    value = json.loads(envelope.leaf)
    assert value["spec"] == "periplus.event/2"
    key_id, signature = envelope.signature
    assert key_id == key.verifier.key_id
    del value["sig"]
    key.private_key.public_key().verify(signature, canonical_bytes(value))
    assert SourceKeys.configured({SOURCE: [str(key.verifier)]}).check(envelope) == key.verifier


@given(st.dictionaries(st.text(TEXT, max_size=8), st.text(TEXT, max_size=30), max_size=4))
def test_any_change_to_a_signed_event_is_refused(data: dict[str, str]) -> None:
    key = Signer(SOURCE, Ed25519PrivateKey.from_private_bytes(bytes(32)))
    keys = SourceKeys.configured({SOURCE: [str(key.verifier)]})
    original = json.loads(signed(key, data=dict(data)))
    keys.check(parse_envelope(json.dumps(original)))
    for change in ({"seq": 2}, {"data": {**original["data"], "x": "y"}}, {"type": "trip.approved"}):
        with pytest.raises(EventRejectedError, match="does not verify"):
            keys.check(parse_envelope(json.dumps({**original, **change})))


@pytest.mark.parametrize("size", [3, 300])  # checked in place, and over threads
def test_a_batch_is_checked_as_each_of_its_events_would_be(size: int) -> None:
    key, stranger = signer(), signer()
    keys = SourceKeys.configured({SOURCE: [str(key.verifier)]})
    batch = [json.loads(signed(key, seq=n + 1, data={"n": str(n)})) for n in range(size)]
    batch[1]["seq"] = 99  # altered after signing
    batch[-1] = json.loads(signed(stranger, seq=size))
    envelopes = [parse_envelope(json.dumps(value)) for value in batch]
    outcomes = keys.check_many(envelopes)
    assert len(outcomes) == size
    for envelope, outcome in zip(envelopes, outcomes, strict=True):
        try:
            expected: object = keys.check(envelope)
        except EventRejectedError as exc:
            expected = str(exc)
        assert (str(outcome) if isinstance(outcome, EventRejectedError) else outcome) == expected
    assert "does not verify" in str(outcomes[1])
    assert "not a key of" in str(outcomes[-1])
    assert outcomes[0] == key.verifier
    # A batch of claims (the envelopes without their data) is answered alike.
    claimed = keys.check_many([sources.Claim.of(envelope) for envelope in envelopes])
    assert [str(c) for c in claimed] == [str(o) for o in outcomes]


def test_keys_come_from_configuration_and_are_named_after_their_source() -> None:
    other = signer("porto/trips-api")
    with pytest.raises(NoteError, match="must be named"):
        SourceKeys.configured({SOURCE: [str(other.verifier)]})
    keys = SourceKeys.configured({SOURCE: [str(signer().verifier)]})
    with pytest.raises(EventRejectedError, match="not a key of"):
        keys.check(parse_envelope(signed(signer())))
    with pytest.raises(EventRejectedError, match="no key of source 'porto/trips-api'"):
        keys.check(parse_envelope(signed(other)))


def test_a_rotation_retires_the_old_key_after_its_seq() -> None:
    old, new = signer(), signer()
    keys = SourceKeys.configured({SOURCE: [str(old.verifier)]})
    rotation = sources.rotation(old, 5, new.verifier)
    with pytest.raises(EventRejectedError, match="not a key of"):
        keys.check(parse_envelope(signed(new, seq=6)))
    assert keys.follow(rotation) == new.verifier
    assert keys.check(parse_envelope(signed(new, seq=6))) == new.verifier
    assert keys.check(parse_envelope(signed(old, seq=5))) == old.verifier
    with pytest.raises(EventRejectedError, match="retired after seq 5"):
        keys.check(parse_envelope(signed(old, seq=6)))
    with pytest.raises(EventRejectedError, match="signs only from seq 6"):
        keys.check(parse_envelope(signed(new, seq=5)))
    # What a browser is given to check with: each key and the seqs it may sign.
    assert keys.spans(SOURCE) == [(old.verifier, 1, 5), (new.verifier, 6, None)]


def test_a_retired_key_cannot_name_another_key() -> None:
    """A key leaks after it was rotated away: a rotation it signs at one of its own old
    seqs must not make the attacker's key trusted for the seqs to come."""
    old, new, attacker = signer(), signer(), signer()
    keys = SourceKeys.configured({SOURCE: [str(old.verifier)]})
    keys.follow(sources.rotation(old, 3, new.verifier))
    with pytest.raises(EventRejectedError, match="retired at seq 3; only a key in force"):
        keys.follow(sources.rotation(old, 2, attacker.verifier))
    with pytest.raises(EventRejectedError, match="retired at seq 3; only a key in force"):
        # Its own last seq, another successor.
        keys.follow(sources.rotation(old, 3, attacker.verifier))
    with pytest.raises(EventRejectedError, match="not a key of"):
        keys.check(parse_envelope(signed(attacker, seq=5)))
    assert keys.spans(SOURCE) == [(old.verifier, 1, 3), (new.verifier, 4, None)]
    # The real rotation, delivered again, changes nothing and is no error.
    assert keys.follow(sources.rotation(old, 3, new.verifier)) == new.verifier
    assert keys.spans(SOURCE) == [(old.verifier, 1, 3), (new.verifier, 4, None)]


def test_a_rotation_by_a_stranger_or_to_a_misnamed_key_is_refused() -> None:
    old = signer()
    keys = SourceKeys.configured({SOURCE: [str(old.verifier)]})
    stranger = sources.rotation(signer(), 2, signer().verifier)
    with pytest.raises(EventRejectedError, match="not a key of"):
        keys.follow(stranger)
    misnamed = sources.rotation(old, 2, signer("porto/trips-api").verifier)
    with pytest.raises(EventRejectedError, match="not named lisboa/trips-api"):
        keys.follow(misnamed)
    assert keys.keys(SOURCE) == [old.verifier]


def test_the_verifier_key_is_the_go_note_format() -> None:
    key = signer()
    assert Verifier.parse(str(key.verifier)) == key.verifier
    assert str(key.verifier).startswith(f"{SOURCE}+{key.verifier.key_id.hex()}+")


@given(
    st.dictionaries(
        st.sampled_from(["sig", "source", "seq", "a", "é"]),
        st.one_of(st.text(TEXT, max_size=20), st.integers(-(2**53) + 1, 2**53 - 1)),
        max_size=5,
    )
)
def test_the_signed_bytes_cut_from_the_leaf_are_the_envelope_without_sig(
    data: dict[str, object],
) -> None:
    key = Signer(SOURCE, Ed25519PrivateKey.from_private_bytes(bytes(32)))
    envelope = parse_envelope(signed(key, data=data))
    # Even a data member that looks like the envelope's own sig stays where it is.
    trap = {**data, "nested": {"sig": envelope.sig, "source": SOURCE}}
    for value in (envelope, parse_envelope(signed(key, data=trap))):
        assert value.signed_bytes == canonical_bytes(value.to_json(signed=False))
