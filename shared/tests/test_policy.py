"""tlog-policy: the spec's example with real keys, every refusal rule, and checkpoint checks."""

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from periplus.cosignature import Cosigner
from periplus.note import Checkpoint, NoteError, Signer, split_note
from periplus.policy import Policy, PolicyError, PolicyGroup, parse_policy


def _key(seed: int) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32)


LOG = Signer("example.com/log", _key(1))
W = {
    name: Cosigner(f"{name.lower()}.example/w", _key(10 + i))
    for i, name in enumerate(["X1", "X2", "X3", "Y1", "Y2", "Y3"])
}

# The example of c2sp.org/tlog-policy, with generated keys in place of the elided ones.
EXAMPLE = f"""\
log {LOG.verifier}

witness X1 {W["X1"].key}
witness X2 {W["X2"].key}
witness X3 {W["X3"].key}
group X-witnesses 2 X1 X2 X3

witness Y1 {W["Y1"].key}
witness Y2 {W["Y2"].key}
witness Y3 {W["Y3"].key}
group Y-witnesses any Y1 Y2 Y3

group X-and-Y all X-witnesses Y-witnesses
quorum X-and-Y
"""

BODY = Checkpoint("example.com/log", 7, bytes(range(32))).body()


def _cosigned(*names: str, log: Signer = LOG, body: str = BODY) -> str:
    return log.sign(body) + "".join(W[n].cosign(body, 1_700_000_000) for n in names)


def test_the_spec_example_parses_into_its_structure() -> None:
    policy = parse_policy(EXAMPLE)
    assert [log.key for log in policy.logs] == [LOG.verifier]
    assert list(policy.witnesses) == ["X1", "X2", "X3", "Y1", "Y2", "Y3"]
    assert policy.witnesses["Y2"].key == W["Y2"].key
    assert policy.groups == {
        "X-witnesses": PolicyGroup("X-witnesses", 2, ("X1", "X2", "X3")),
        "Y-witnesses": PolicyGroup("Y-witnesses", 1, ("Y1", "Y2", "Y3")),
        "X-and-Y": PolicyGroup("X-and-Y", 2, ("X-witnesses", "Y-witnesses")),
    }
    assert policy.quorum == "X-and-Y"


@pytest.mark.parametrize(
    ("cosigned", "met"),
    [
        ({"X1", "X2", "Y1"}, True),
        ({"X2", "X3", "Y3"}, True),
        ({"X1", "X2", "X3", "Y1", "Y2", "Y3"}, True),
        ({"X1", "Y1", "Y2", "Y3"}, False),
        ({"X1", "X2", "X3"}, False),
        (set(), False),
        ({"X-witnesses", "Y-witnesses"}, False),
    ],
)
def test_the_spec_example_quorum(cosigned: set[str], met: bool) -> None:
    assert parse_policy(EXAMPLE).satisfied(cosigned) is met


def test_a_policy_writes_itself_back() -> None:
    policy = parse_policy(EXAMPLE)
    text = str(policy)
    assert parse_policy(text) == policy
    assert "group X-witnesses 2 X1 X2 X3\n" in text
    assert "group Y-witnesses any Y1 Y2 Y3\n" in text
    assert text.endswith("group X-and-Y all X-witnesses Y-witnesses\nquorum X-and-Y\n")


def test_whitespace_comments_urls_and_opaque_names_are_read() -> None:
    text = (
        "# a comment\n"
        "   \t# an indented comment\n"
        " \t \n"
        f"\tlog  {LOG.verifier}\thttps://log.example/  \n"
        f"witness Kelvin\u212a {W['X1'].key} https://w\u00e9.example/\n"
        f"witness K {W['X2'].key}\n"
        "group \u00e9quipe 1 Kelvin\u212a K\n"
        "quorum \u00e9quipe \t\n"
    )
    policy = parse_policy(text)
    assert policy.logs[0].url == "https://log.example/"
    assert policy.witnesses["Kelvin\u212a"].url == "https://w\u00e9.example/"
    assert policy.witnesses["K"].url is None
    assert policy.satisfied({"K"})
    assert not policy.satisfied({"k"})


def test_quorum_none_needs_no_witness() -> None:
    policy = parse_policy(f"log {LOG.verifier}\nquorum none\n")
    assert policy == Policy.log_only(LOG.verifier)
    assert policy.satisfied([])
    assert str(policy) == f"log {LOG.verifier}\nquorum none\n"


def test_a_policy_may_list_no_log() -> None:
    assert parse_policy(f"witness A {W['X1'].key}\nquorum A\n").logs == []


def test_a_witness_may_be_the_quorum_by_itself() -> None:
    policy = parse_policy(f"witness A {W['X1'].key}\nquorum A\n")
    assert policy.satisfied({"A"})
    assert not policy.satisfied({"B"})


# Refusals: each rule of the spec, with the line that breaks it.


def _refused(text: str, line: int | None, reason: str) -> None:
    with pytest.raises(PolicyError, match=reason) as caught:
        parse_policy(text)
    assert caught.value.line == line
    assert str(caught.value).startswith(f"line {line}: ") is (line is not None)


def test_a_carriage_return_is_refused() -> None:
    _refused(f"log {LOG.verifier}\r\nquorum none\r\n", 1, "control character '\\\\r'")


def test_a_nul_is_refused() -> None:
    _refused("quorum none\n#\x00\n", 2, "control character")


def test_delete_is_refused() -> None:
    _refused("quorum none\x7f\n", 1, "control character")


def test_a_unicode_space_does_not_separate_items() -> None:
    _refused("quorum\u00a0none\n", 1, "unknown line type")


def test_a_vertical_tab_is_refused() -> None:
    _refused("quorum\x0bnone\n", 1, "control character")


def test_a_missing_final_newline_is_refused() -> None:
    _refused("quorum none", 1, "does not end with a newline")


def test_an_unknown_line_type_is_refused() -> None:
    _refused("quorum none\nwitnesses A B\n", 2, "unknown line type 'witnesses'")


def test_a_trailing_comment_is_not_a_comment() -> None:
    _refused("quorum none # all\n", 1, "wrong number of items on a quorum line")


def test_a_log_line_needs_a_key() -> None:
    _refused("log\nquorum none\n", 1, "wrong number of items on a log line")


def test_a_log_line_has_at_most_a_url() -> None:
    _refused(f"log {LOG.verifier} https://a https://b\nquorum none\n", 1, "wrong number")


def test_a_witness_line_needs_a_name_and_a_key() -> None:
    _refused(f"witness {W['X1'].key}\nquorum none\n", 1, "wrong number of items on a witness")


def test_a_log_key_is_a_note_key() -> None:
    _refused(f"log {W['X1'].key}\nquorum none\n", 1, "log key is not usable")


def test_a_witness_key_is_a_cosignature_key() -> None:
    _refused(f"witness A {LOG.verifier}\nquorum none\n", 1, "type 0x04")


def test_a_malformed_key_is_refused() -> None:
    _refused("log example.com/log+00000000+AAAA\nquorum none\n", 1, "log key is not usable")


def test_duplicate_logs_are_refused_even_under_another_name() -> None:
    twin = Signer("example.com/other", LOG.private_key).verifier
    _refused(f"log {LOG.verifier}\nlog {twin}\nquorum none\n", 2, "duplicates the public key")


def test_duplicate_witnesses_are_refused_even_under_another_name() -> None:
    twin = Cosigner("other.example/w", W["X1"].private_key).key
    text = f"witness A {W['X1'].key}\nwitness B {twin}\nquorum none\n"
    _refused(text, 2, "duplicates the public key of an earlier witness")


def test_a_name_is_defined_once() -> None:
    _refused(f"witness A {W['X1'].key}\nwitness A {W['X2'].key}\nquorum A\n", 2, "already defined")


def test_witnesses_and_groups_share_names() -> None:
    _refused(f"witness A {W['X1'].key}\ngroup A any A\nquorum A\n", 2, "already defined")


def test_none_cannot_be_defined() -> None:
    _refused(f"witness none {W['X1'].key}\nquorum none\n", 1, "already defined")


def test_a_group_refers_only_to_earlier_names() -> None:
    _refused(f"group G any A\nwitness A {W['X1'].key}\nquorum G\n", 1, "A is not defined")


def test_a_group_cannot_contain_itself() -> None:
    _refused(f"witness A {W['X1'].key}\ngroup G any A G\nquorum G\n", 2, "G is not defined")


def test_none_is_not_a_group_member() -> None:
    _refused(f"witness A {W['X1'].key}\ngroup G any A none\nquorum G\n", 2, "'none' cannot")


def test_a_group_lists_a_member_once() -> None:
    _refused(f"witness A {W['X1'].key}\ngroup G 1 A A\nquorum G\n", 2, "already a member")


def test_a_name_is_a_member_of_one_group_only() -> None:
    text = (
        f"witness A {W['X1'].key}\nwitness B {W['X2'].key}\n"
        "group G any A B\ngroup H any A\ngroup Q all G H\nquorum Q\n"
    )
    _refused(text, 4, "A is already a member of group G")


def test_a_group_has_members() -> None:
    _refused(f"witness A {W['X1'].key}\ngroup G any\nquorum G\n", 2, "wrong number")


@pytest.mark.parametrize("k", ["0", "3", "two", "+1", "1.0", "\u00b2", "-1", "ALL"])
def test_a_threshold_is_all_any_or_1_to_n(k: str) -> None:
    text = f"witness A {W['X1'].key}\nwitness B {W['X2'].key}\ngroup G {k} A B\nquorum G\n"
    _refused(text, 3, "threshold is all, any or 1 to 2")


def test_a_threshold_in_decimal_is_read() -> None:
    text = f"witness A {W['X1'].key}\nwitness B {W['X2'].key}\ngroup G 2 A B\nquorum G\n"
    assert parse_policy(text).groups["G"].threshold == 2


def test_the_quorum_names_an_earlier_definition() -> None:
    _refused(f"quorum A\nwitness A {W['X1'].key}\n", 1, "A is not defined on an earlier line")


def test_there_is_one_quorum_line() -> None:
    _refused("quorum none\nquorum none\n", 2, "exactly one quorum line")


def test_there_is_a_quorum_line() -> None:
    _refused(f"log {LOG.verifier}\n", None, "no quorum line")


def test_an_empty_policy_has_no_quorum() -> None:
    _refused("", None, "no quorum line")


# Checking checkpoints against a policy.


def test_a_checkpoint_meeting_the_quorum_is_accepted() -> None:
    verified = parse_policy(EXAMPLE).verify_checkpoint(_cosigned("X1", "X3", "Y2"))
    assert verified.checkpoint == Checkpoint("example.com/log", 7, bytes(range(32)))
    assert verified.log_key == LOG.verifier
    assert verified.cosigned == {"X1": 1_700_000_000, "X3": 1_700_000_000, "Y2": 1_700_000_000}


def test_a_checkpoint_short_of_the_quorum_is_refused() -> None:
    with pytest.raises(NoteError, match="cosigned by X1, Y2, which does not meet"):
        parse_policy(EXAMPLE).verify_checkpoint(_cosigned("X1", "Y2"))


def test_cosignatures_by_unknown_witnesses_do_not_count() -> None:
    stranger = Cosigner("x1.example/w", _key(99))
    note = _cosigned("X1", "Y1") + stranger.cosign(BODY, 1)
    with pytest.raises(NoteError, match="does not meet"):
        parse_policy(EXAMPLE).verify_checkpoint(note)


def test_a_bad_cosignature_by_a_listed_witness_refuses_the_checkpoint() -> None:
    other = Checkpoint("example.com/log", 8, bytes(range(32))).body()
    note = _cosigned("X1", "X2", "Y1") + W["X3"].cosign(other, 1)
    with pytest.raises(NoteError, match=r"by x3\.example/w does not verify"):
        parse_policy(EXAMPLE).verify_checkpoint(note)


def test_a_checkpoint_from_an_unlisted_origin_is_refused() -> None:
    body = Checkpoint("example.com/elsewhere", 7, bytes(32)).body()
    log = Signer("example.com/elsewhere", _key(1))
    with pytest.raises(NoteError, match=r"no log whose origin is 'example\.com/elsewhere'"):
        Policy.log_only(LOG.verifier).verify_checkpoint(log.sign(body))


def test_a_checkpoint_for_another_origin_than_expected_is_refused() -> None:
    with pytest.raises(NoteError, match=r"not 'example\.com/other'"):
        Policy.log_only(LOG.verifier).verify_checkpoint(LOG.sign(BODY), "example.com/other")


def test_a_checkpoint_not_signed_by_the_log_is_refused() -> None:
    impostor = Signer("example.com/log", _key(2))
    with pytest.raises(NoteError, match="no signature by a listed key"):
        Policy.log_only(LOG.verifier).verify_checkpoint(impostor.sign(BODY))


def test_a_bad_log_signature_refuses_the_checkpoint() -> None:
    note = LOG.sign(BODY)
    forged = note.replace(BODY, BODY.replace("\n7\n", "\n8\n"))
    with pytest.raises(NoteError, match=r"log's signature by example\.com/log does not verify"):
        Policy.log_only(LOG.verifier).verify_checkpoint(forged)


def test_any_listed_log_key_for_the_origin_is_accepted() -> None:
    new = Signer("example.com/log", _key(3))
    policy = parse_policy(f"log {LOG.verifier}\nlog {new.verifier}\nquorum none\n")
    assert policy.verify_checkpoint(new.sign(BODY)).log_key == new.verifier


def test_a_note_that_is_not_a_checkpoint_is_refused() -> None:
    with pytest.raises(NoteError):
        Policy.log_only(LOG.verifier).verify_checkpoint(LOG.sign("hello\n"))


def test_cosignatures_are_over_the_body_that_the_log_signed() -> None:
    note = _cosigned("X1", "X2", "Y1")
    text, signatures = split_note(note)
    assert text == BODY
    assert len(signatures) == 4


@given(
    n=st.integers(min_value=1, max_value=6),
    data=st.data(),
)
def test_a_threshold_group_is_met_by_k_of_its_members(n: int, data: st.DataObject) -> None:
    k = data.draw(st.integers(min_value=1, max_value=n))
    names = list(W)[:n]
    lines = [f"witness {name} {W[name].key}" for name in names]
    text = "\n".join([*lines, f"group G {k} {' '.join(names)}", "quorum G", ""])
    cosigned = data.draw(st.sets(st.sampled_from(list(W))))
    assert parse_policy(text).satisfied(cosigned) is (len(cosigned & set(names)) >= k)


@given(
    order=st.permutations(["X1", "X2", "X3", "Y1", "Y2", "Y3"]),
    k=st.integers(min_value=1, max_value=3),
)
def test_written_policies_read_back_the_same(order: list[str], k: int) -> None:
    lines = [f"witness {name} {W[name].key} https://{name}.example/" for name in order]
    groups = [f"group A {k} {' '.join(order[:3])}", f"group B any {' '.join(order[3:])}"]
    text = "\n".join([f"log {LOG.verifier}", *lines, *groups, "group Q all A B", "quorum Q", ""])
    policy = parse_policy(text)
    assert parse_policy(str(policy)) == policy
