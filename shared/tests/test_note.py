"""Signed notes and checkpoints, proven compatible with Go's golang.org/x/mod/sumdb/note."""

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from periplus.note import (
    Checkpoint,
    NoteError,
    Signer,
    Verifier,
    open_checkpoint,
    split_note,
)

# The example published in the documentation of golang.org/x/mod/sumdb/note.
GO_SIGNER_KEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VERIFIER_KEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT
    + "\n— PeterNeumann "
    + "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
    + "\n"
)


def go_signer() -> Signer:
    _, _, name, _, blob = GO_SIGNER_KEY.split("+", 4)
    raw = base64.b64decode(blob)
    assert raw[0] == 1
    return Signer(name, Ed25519PrivateKey.from_private_bytes(raw[1:]))


def test_our_verifier_key_string_is_the_one_go_publishes() -> None:
    assert str(go_signer().verifier) == GO_VERIFIER_KEY
    assert Verifier.parse(GO_VERIFIER_KEY) == go_signer().verifier


def test_we_sign_the_go_example_to_the_same_bytes() -> None:
    assert go_signer().sign(GO_TEXT) == GO_NOTE


def test_we_open_the_note_that_go_signed() -> None:
    verifier = Verifier.parse(GO_VERIFIER_KEY)
    assert verifier.verify(GO_NOTE) == GO_TEXT
    with pytest.raises(NoteError, match="does not verify"):
        verifier.verify(GO_NOTE.replace("cryptography", "cryptographY"))


def test_a_note_signed_by_another_key_is_refused() -> None:
    other = Signer("PeterNeumann", Ed25519PrivateKey.generate())
    with pytest.raises(NoteError, match="no signature"):
        other.verifier.verify(GO_NOTE)


@pytest.mark.parametrize(
    "bad",
    [
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+ApPc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3",
        "PeterNeumann+c7 4f 20 a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW==",
    ],
)
def test_malformed_verifier_keys_are_refused(bad: str) -> None:
    with pytest.raises(NoteError):
        Verifier.parse(bad)


def test_a_note_with_several_signatures_opens_with_either_key() -> None:
    one = Signer("one.example/log", Ed25519PrivateKey.generate())
    two = Signer("two.example/witness", Ed25519PrivateKey.generate())
    note = one.sign("hello\n")
    _text, signatures = split_note(note)
    cosigned = note + two.sign("hello\n").split("\n\n", 1)[1]
    assert one.verifier.verify(cosigned) == "hello\n"
    assert two.verifier.verify(cosigned) == "hello\n"
    assert len(split_note(cosigned)[1]) == len(signatures) + 1


def test_checkpoints_round_trip_and_are_bound_to_their_origin() -> None:
    signer = Signer("periplus.test/log", Ed25519PrivateKey.generate())
    checkpoint = Checkpoint("periplus.test/log", 8, bytes(range(32)))
    note = signer.sign(checkpoint.body())
    assert note.startswith("periplus.test/log\n8\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n\n")
    assert open_checkpoint(note, signer.verifier, "periplus.test/log") == checkpoint
    with pytest.raises(NoteError, match="not 'elsewhere'"):
        open_checkpoint(note, signer.verifier, "elsewhere")
    with pytest.raises(NoteError):
        Checkpoint.parse_body("periplus.test/log\n08\nAA==\n")


@pytest.mark.parametrize(
    ("note", "reason"),
    [
        (GO_NOTE.replace("is the", "is\rthe"), "control character"),
        (GO_NOTE.replace("is the", "is\tthe"), "control character"),
        (GO_NOTE.replace("— PeterNeumann", "— Peter Neumann"), "key name"),
        (GO_NOTE.replace("— PeterNeumann", "— "), "key name"),
        ("\n\n— PeterNeumann AAAAAAA=\n", "its text, a blank line"),
        (GO_TEXT + "\n" + "— PeterNeumann AAAAAAA=\n" * 101, "at most 100"),
    ],
)
def test_notes_off_the_signed_note_grammar_are_refused(note: str, reason: str) -> None:
    with pytest.raises(NoteError, match=reason):
        split_note(note)


@pytest.mark.parametrize(
    "body",
    [
        "periplus.test/log\n\u0661\u0662\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
        "periplus.test/log\n12\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n\nextension\n",
        "\n12\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
        "periplus.test/log\n1" + "0" * 20 + "\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
        "periplus.test/log\n1" + "0" * 4999 + "\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
    ],
)
def test_checkpoint_bodies_off_the_tlog_checkpoint_grammar_are_refused(body: str) -> None:
    with pytest.raises(NoteError):
        Checkpoint.parse_body(body)


def test_a_checkpoint_may_carry_extension_lines() -> None:
    body = "periplus.test/log\n12\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\nextension\n"
    assert Checkpoint.parse_body(body).size == 12
