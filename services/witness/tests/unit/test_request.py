"""Reading add-checkpoint bodies: the one spelling tlog-witness allows, and nothing else."""

import base64

import pytest

from periplus.note import Checkpoint
from witness.request import MAX_PROOF_LINES, RequestError, parse_submission
from witness.testing import Log


def _parse(text: str) -> None:
    parse_submission(text.encode())


def test_a_submission_is_read(log: Log) -> None:
    log.grow(9)
    note = log.checkpoint(9)
    submission = parse_submission(log.submission(5, 9).encode())
    assert submission.old_size == 5
    assert submission.proof == log.proof(5, 9)
    assert submission.note == note
    assert submission.text == log.body(9)
    assert submission.checkpoint == Checkpoint("periplus.test/log", 9, log.compact.root())
    assert [name for name, _ in submission.signatures] == ["periplus.test/log"]


def test_a_first_submission_has_no_proof(log: Log) -> None:
    submission = parse_submission(log.grow(3).submission(0).encode())
    assert (submission.old_size, submission.proof) == (0, [])


def test_63_proof_lines_are_read(log: Log) -> None:
    proof = [bytes([i]) * 32 for i in range(MAX_PROOF_LINES)]
    assert len(parse_submission(log.grow(2).submission(1, proof=proof).encode()).proof) == 63


def test_64_proof_lines_are_refused(log: Log) -> None:
    proof = [bytes(32)] * (MAX_PROOF_LINES + 1)
    with pytest.raises(RequestError, match="at most 63"):
        _parse(log.grow(2).submission(1, proof=proof))


@pytest.mark.parametrize(
    "line",
    [
        "old 01",
        "old 00",
        "old -1",
        "old +1",
        "old 1 ",
        "old  1",
        "Old 1",
        "old",
        "old 1.0",
        "old \u0661",
    ],
)
def test_an_old_size_line_other_than_old_and_a_plain_decimal_is_refused(
    log: Log, line: str
) -> None:
    text = log.grow(2).submission(1).replace("old 1", line, 1)
    with pytest.raises(RequestError, match="first line"):
        _parse(text)


def test_a_missing_old_size_line_is_refused(log: Log) -> None:
    with pytest.raises(RequestError):
        _parse(log.grow(2).submission(1).split("\n", 1)[1])


def test_a_body_without_a_blank_line_is_refused() -> None:
    with pytest.raises(RequestError, match="blank line"):
        _parse("old 0\n")


def test_a_body_that_is_not_utf8_is_refused() -> None:
    with pytest.raises(RequestError, match="UTF-8"):
        parse_submission(b"old 0\n\n\xff\n")


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("AAAA", "32 bytes"),
        ("not base64!", "not base64"),
        ("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=", "canonical"),
        ("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "not base64"),
        (" AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "not base64"),
    ],
)
def test_a_proof_line_that_is_not_one_base64_hash_is_refused(
    log: Log, line: str, reason: str
) -> None:
    text = log.grow(2).submission(1, proof=[]).replace("old 1\n", f"old 1\n{line}\n", 1)
    with pytest.raises(RequestError, match=reason):
        _parse(text)


def test_a_carriage_return_is_refused(log: Log) -> None:
    with pytest.raises(RequestError):
        _parse(log.grow(1).submission(0).replace("\n", "\r\n"))


def test_a_control_character_in_the_checkpoint_is_refused(log: Log) -> None:
    log.grow(1)
    note = log.signer.sign(log.body().replace("periplus.test/log", "periplus.test/\tlog"))
    with pytest.raises(RequestError, match="control characters"):
        _parse(f"old 0\n\n{note}")


def test_an_unsigned_checkpoint_is_refused(log: Log) -> None:
    with pytest.raises(RequestError, match="malformed"):
        _parse(f"old 0\n\n{log.grow(1).body()}")


def test_a_checkpoint_missing_its_root_is_refused(log: Log) -> None:
    with pytest.raises(RequestError, match="malformed"):
        _parse("old 0\n\n" + log.signer.sign("periplus.test/log\n1\n"))


def test_a_size_with_a_leading_zero_is_refused(log: Log) -> None:
    note = log.signer.sign(log.grow(1).body().replace("\n1\n", "\n01\n"))
    with pytest.raises(RequestError, match="malformed"):
        _parse(f"old 0\n\n{note}")


def test_a_size_in_other_digits_is_refused(log: Log) -> None:
    note = log.signer.sign(log.grow(1).body().replace("\n1\n", "\n\u0661\n"))
    with pytest.raises(RequestError, match="size is malformed"):
        _parse(f"old 0\n\n{note}")


def test_a_root_in_non_canonical_base64_is_refused(log: Log) -> None:
    body = log.body(0)
    root = body.split("\n")[2]
    raw = base64.b64decode(root)
    skewed = base64.b64encode(raw)[:-2].decode() + chr(ord(root[-2]) + 1) + "="
    assert base64.b64decode(skewed) == raw
    with pytest.raises(RequestError, match="canonical form"):
        _parse("old 0\n\n" + log.signer.sign(body.replace(root, skewed)))


def test_extension_lines_are_read(log: Log) -> None:
    note = log.signer.sign(log.body(0) + "ext one\next two\n")
    assert parse_submission(f"old 0\n\n{note}".encode()).text.endswith("ext two\n")


def test_an_empty_extension_line_is_refused(log: Log) -> None:
    note = log.signer.sign(log.body(0) + "\next\n")
    with pytest.raises(RequestError, match="extension lines"):
        _parse(f"old 0\n\n{note}")


def test_a_size_beyond_a_signed_64_bit_integer_is_refused(log: Log) -> None:
    note = log.signer.sign(log.body(0).replace("\n0\n", f"\n{2**63}\n"))
    with pytest.raises(RequestError, match="not supported"):
        _parse(f"old 0\n\n{note}")


@pytest.mark.parametrize("digits", [21, 5000], ids=["21 digits", "5000 digits"])
def test_a_size_longer_than_a_uint64_can_be_is_refused(log: Log, digits: int) -> None:
    """A size of thousands of digits is a bad request, not a number Python cannot read."""
    size = "1" + "0" * (digits - 1)
    with pytest.raises(RequestError, match="20 digits at most"):
        _parse(log.grow(2).submission(1).replace("old 1", f"old {size}", 1))
    note = log.signer.sign(log.body().replace("\n2\n", f"\n{size}\n"))
    with pytest.raises(RequestError, match="size is malformed"):
        _parse(f"old 0\n\n{note}")


def test_the_largest_uint64_size_is_read(log: Log) -> None:
    text = log.grow(2).submission(1).replace("old 1", f"old {2**64 - 1}", 1)
    assert parse_submission(text.encode()).old_size == 2**64 - 1
