"""tlog-cosignature v1 (Ed25519): known answers from the C2SP documents, refusals, round trips."""

import base64
import hashlib
import struct
import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from periplus.cosignature import (
    COSIGNATURE_ALG,
    HEADER,
    Cosigner,
    CosignerKey,
    cosignatures,
    cosigned_message,
)
from periplus.note import Checkpoint, NoteError, Signer, Verifier, split_note

# c2sp.org/signed-note, "Verifier keys / Example": a type 0x01 key and the note it signs.
NOTE_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
NOTE = (
    "This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6Tf"
    "Xppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
)
# c2sp.org/tlog-cosignature: the checkpoint and the message its example cosignature signs.
SOFA_BODY = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
SOFA_MESSAGE = f"cosignature/v1\ntime 1679315147\n{SOFA_BODY}"
SOFA_COSIGNATURE = (
    "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+"
    "mbIUBkBIfZ+qnA=="
)

WITNESS = Cosigner("witness.example/w1", Ed25519PrivateKey.from_private_bytes(bytes(range(32))))
BODY = Checkpoint("periplus.test/log", 3, bytes(range(32))).body()


def test_the_signed_message_is_the_one_in_the_spec() -> None:
    assert cosigned_message(SOFA_BODY, 1679315147) == SOFA_MESSAGE.encode()
    assert HEADER == "cosignature/v1"


def test_the_spec_example_cosignature_has_our_layout() -> None:
    """Key id, then a big-endian time that is the one of the spec's signed message."""
    raw = base64.b64decode(SOFA_COSIGNATURE)
    assert len(raw) == 4 + 8 + 64
    assert struct.unpack(">Q", raw[4:12]) == (1679315147,)
    stranger = CosignerKey("witness.example.com/w1", bytes(32))
    with pytest.raises(NoteError, match="not by this key"):
        stranger.verify(SOFA_BODY, raw)


def test_the_key_id_commits_to_type_0x04() -> None:
    key = WITNESS.key
    expected = hashlib.sha256(b"witness.example/w1\n\x04" + key.public_key).digest()[:4]
    assert key.key_id == expected
    assert COSIGNATURE_ALG == b"\x04"
    blob = base64.b64encode(b"\x04" + key.public_key).decode()
    assert str(key) == f"witness.example/w1+{expected.hex()}+{blob}"
    assert CosignerKey.parse(str(key)) == key


def test_the_signed_note_example_opens_with_its_key_and_is_ignored_by_a_cosigner_key() -> None:
    """The same name and public key as a cosigner key has another id, so the line is not its."""
    log_key = Verifier.parse(NOTE_VKEY)
    assert log_key.verify(NOTE) == "This is an example message.\n"
    twin = CosignerKey(log_key.name, log_key.public_key)
    assert twin.key_id != log_key.key_id
    assert cosignatures(NOTE, [twin]) == {}


def test_a_log_vkey_is_not_a_cosigner_vkey() -> None:
    with pytest.raises(NoteError, match="type 0x04"):
        CosignerKey.parse(NOTE_VKEY)


def test_a_vkey_with_a_wrong_id_is_refused() -> None:
    name, _, blob = str(WITNESS.key).split("+", 2)
    with pytest.raises(NoteError, match="does not match"):
        CosignerKey.parse(f"{name}+00000000+{blob}")


def test_a_vkey_with_an_uppercase_id_is_refused() -> None:
    name, hex_id, blob = str(WITNESS.key).split("+", 2)
    with pytest.raises(NoteError, match="lowercase hex"):
        CosignerKey.parse(f"{name}+{hex_id.upper()}+{blob}")


def test_a_name_with_a_space_is_refused() -> None:
    key = WITNESS.key
    blob = base64.b64encode(b"\x04" + key.public_key).decode()
    forged = hashlib.sha256(b"witness example\n\x04" + key.public_key).digest()[:4].hex()
    with pytest.raises(NoteError, match="without spaces"):
        CosignerKey.parse(f"witness example+{forged}+{blob}")


def test_a_name_with_a_plus_is_refused() -> None:
    with pytest.raises(NoteError):
        CosignerKey.parse(f"witness+{WITNESS.key}")
    with pytest.raises(NoteError, match="without spaces or '\\+'"):
        CosignerKey("a+b", WITNESS.key.public_key)


def test_an_empty_name_is_refused() -> None:
    with pytest.raises(NoteError, match="non-empty"):
        Cosigner("", WITNESS.private_key)


def test_a_vkey_whose_key_is_not_canonical_base64_is_refused() -> None:
    name, hex_id, blob = str(WITNESS.key).split("+", 2)
    with pytest.raises(NoteError, match="base64"):
        CosignerKey.parse(f"{name}+{hex_id}+{blob[:-1]}")


def test_a_vkey_whose_key_is_the_wrong_length_is_refused() -> None:
    blob = base64.b64encode(b"\x04" + bytes(31)).decode()
    with pytest.raises(NoteError, match="32 bytes"):
        CosignerKey.parse(f"w+00000000+{blob}")


def test_a_cosignature_verifies_and_gives_its_time() -> None:
    line = WITNESS.cosign(BODY, 1_700_000_000)
    assert line.startswith("— witness.example/w1 ")
    assert line.endswith("\n")
    raw = base64.b64decode(line.split(" ")[2])
    assert WITNESS.key.verify(BODY, raw) == 1_700_000_000
    assert raw[:4] == WITNESS.key.key_id
    assert raw[4:12] == (1_700_000_000).to_bytes(8, "big")


def test_the_time_defaults_to_now() -> None:
    before = int(time.time())
    raw = base64.b64decode(WITNESS.cosign(BODY).split(" ")[2])
    assert before <= WITNESS.key.verify(BODY, raw) <= int(time.time())


def test_ed25519_signatures_are_deterministic() -> None:
    assert WITNESS.cosign(BODY, 5) == WITNESS.cosign(BODY, 5)


def _raw(body: str = BODY, when: int = 1_700_000_000) -> bytes:
    return base64.b64decode(WITNESS.cosign(body, when).split(" ")[2])


def test_a_cosignature_of_another_body_is_refused() -> None:
    other = Checkpoint("periplus.test/log", 4, bytes(range(32))).body()
    with pytest.raises(NoteError, match="does not verify"):
        WITNESS.key.verify(other, _raw())


def test_a_cosignature_with_a_changed_time_is_refused() -> None:
    raw = bytearray(_raw())
    raw[11] ^= 1
    with pytest.raises(NoteError, match="does not verify"):
        WITNESS.key.verify(BODY, bytes(raw))


def test_a_cosignature_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(NoteError, match="76 bytes"):
        WITNESS.key.verify(BODY, _raw()[:-1])


def test_a_cosignature_by_another_key_id_is_refused() -> None:
    raw = b"\x00\x00\x00\x00" + _raw()[4:]
    with pytest.raises(NoteError, match="not by this key"):
        WITNESS.key.verify(BODY, raw)


def test_a_zero_time_is_refused() -> None:
    message = b"cosignature/v1\ntime 0\n" + BODY.encode()
    raw = WITNESS.key.key_id + bytes(8) + WITNESS.private_key.sign(message)
    with pytest.raises(NoteError, match="from 1 to 2\\^63-1"):
        WITNESS.key.verify(BODY, raw)
    with pytest.raises(NoteError):
        WITNESS.cosign(BODY, 0)


def test_a_time_above_2_63_minus_1_is_refused() -> None:
    when = 2**63
    message = f"cosignature/v1\ntime {when}\n{BODY}".encode()
    raw = WITNESS.key.key_id + struct.pack(">Q", when) + WITNESS.private_key.sign(message)
    with pytest.raises(NoteError, match="from 1 to 2\\^63-1"):
        WITNESS.key.verify(BODY, raw)
    assert WITNESS.key.verify(BODY, _raw(when=2**63 - 1)) == 2**63 - 1


def test_a_body_without_its_final_newline_is_refused() -> None:
    with pytest.raises(NoteError, match="newline"):
        WITNESS.cosign(BODY[:-1], 1)


def _note(*cosigners: Cosigner) -> str:
    log = Signer("periplus.test/log", Ed25519PrivateKey.from_private_bytes(bytes(32)))
    return log.sign(BODY) + "".join(
        c.cosign(BODY, 1_700_000_000 + i) for i, c in enumerate(cosigners)
    )


def test_cosignatures_by_known_keys_are_found_among_others() -> None:
    other = Cosigner("witness.example/w2", Ed25519PrivateKey.generate())
    stranger = Cosigner("elsewhere/w9", Ed25519PrivateKey.generate())
    note = _note(stranger, WITNESS, other)
    assert cosignatures(note, [WITNESS.key, other.key]) == {
        "witness.example/w1": 1_700_000_001,
        "witness.example/w2": 1_700_000_002,
    }
    assert cosignatures(note, []) == {}


def test_a_line_with_a_known_name_but_another_key_is_ignored() -> None:
    impostor = Cosigner(WITNESS.name, Ed25519PrivateKey.generate())
    assert cosignatures(_note(impostor), [WITNESS.key]) == {}


def test_a_bad_cosignature_by_a_known_key_refuses_the_whole_note() -> None:
    note = _note(WITNESS)
    text, signatures = split_note(note)
    name, raw = signatures[-1]
    forged = raw[:12] + bytes(64)
    bad = note.replace(base64.b64encode(raw).decode(), base64.b64encode(forged).decode())
    with pytest.raises(NoteError, match="does not verify"):
        cosignatures(bad, [WITNESS.key])
    assert text == BODY
    assert name == WITNESS.name


def test_a_cosignature_line_appended_to_a_note_is_a_valid_note_signature() -> None:
    """A witness's answer, concatenated to the checkpoint, is a signed note (tlog-witness)."""
    note = _note(WITNESS)
    assert len(split_note(note)[1]) == 2


_bodies = st.builds(
    lambda origin, size, root: Checkpoint(origin, size, root).body(),
    st.from_regex(r"[a-z0-9.]{1,20}/[a-z0-9]{1,10}", fullmatch=True),
    st.integers(min_value=0, max_value=2**63 - 1),
    st.binary(min_size=32, max_size=32),
)


@given(body=_bodies, when=st.integers(min_value=1, max_value=2**63 - 1))
def test_every_cosignature_verifies_with_its_time(body: str, when: int) -> None:
    line = WITNESS.cosign(body, when)
    assert cosignatures(_wrap(body) + line, [WITNESS.key]) == {WITNESS.name: when}


@given(body=_bodies, flip=st.integers(min_value=0, max_value=75), bit=st.integers(0, 7))
def test_any_changed_bit_breaks_a_cosignature(body: str, flip: int, bit: int) -> None:
    raw = bytearray(base64.b64decode(WITNESS.cosign(body, 1_700_000_000).split(" ")[2]))
    raw[flip] ^= 1 << bit
    with pytest.raises(NoteError):
        WITNESS.key.verify(body, bytes(raw))


def _wrap(body: str) -> str:
    log = Signer("any.example/log", Ed25519PrivateKey.from_private_bytes(bytes(32)))
    return log.sign(body)
