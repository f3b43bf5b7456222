"""Logs an attacker serves over real HTTP, each consistent with its own signed checkpoint,
that an auditor must still refuse: a fork signed by a leaked retired key, smaller than the
log its rotation statement vouches for; a log that dropped an event its source signed.
"""

import base64
import json
import uuid
from collections.abc import Iterable

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

from periplus import merkle
from periplus.canonical import canonical_bytes
from periplus.checks import ROTATION_HEADER, Attestation, LogKey, Report, VerificationFailedError
from periplus.events import Envelope
from periplus.note import Checkpoint, Signer, cosign
from periplus.policy import parse_policy
from periplus.sources import NO_TRIP, SourceKeys, sign
from periplus.testing import Server
from periplus.verify import verify_log

ORIGIN = "ledger.example/log"
OLD = Signer(ORIGIN, Ed25519PrivateKey.generate())
NEW = Signer(ORIGIN, Ed25519PrivateKey.generate())
SOURCE = Signer("example-city/trips-api", Ed25519PrivateKey.generate())


def _event(n: int) -> bytes:
    return sign(SOURCE, seq=n, type_="trip.approved", trip_id=uuid.UUID(int=n), data={"n": n}).leaf


def _root(leaves: list[bytes]) -> bytes:
    tree = merkle.CompactRange()
    for leaf in leaves:
        tree.append(merkle.leaf_hash(leaf))
    return tree.root()


def _rotation(size: int, root: bytes | None, old: Signer = OLD, new: Signer = NEW) -> str:
    named = f"{base64.b64encode(root).decode()}\n" if root is not None else ""
    body = f"{ROTATION_HEADER}\n{ORIGIN}\nold {old.verifier}\nnew {new.verifier}\n{size}\n"
    return cosign(body + named, [old, new] if old != new else [old])


# The honest log: the source's events 1 to 3, its key rotated from OLD to NEW at size 3.
HONEST = [_event(n) for n in (1, 2, 3)]
GENUINE = _rotation(3, _root(HONEST))


class _Nodes:
    """The perfect subtrees of a log, from its leaves: its consistency proofs are honest."""

    def __init__(self, leaves: list[bytes]) -> None:
        self.leaves = leaves

    def get_nodes(self, nodes: Iterable[merkle.Node]) -> dict[merkle.Node, bytes]:
        return {(level, i): _root(self.leaves[i << level : (i + 1) << level]) for level, i in nodes}


def _served(leaves: list[bytes], signer: Signer, rotations: list[str]) -> FastAPI:
    """A log of ``leaves`` under a checkpoint ``signer`` signed, with these statements."""
    note = signer.sign(Checkpoint(ORIGIN, len(leaves), _root(leaves)).body())
    app = FastAPI()
    app.get("/v1/log/key", response_class=PlainTextResponse)(lambda: f"{NEW.verifier}\n")
    app.get("/v1/log/keys")(lambda: {"rotations": [{"statement": r} for r in rotations]})
    app.get("/v1/log/checkpoint", response_class=PlainTextResponse)(lambda: note)
    app.get("/v1/log/checkpoints")(lambda: {"checkpoints": []})

    @app.get("/v1/log/entries")
    def entries(start: int, end: int) -> dict[str, object]:
        return {
            "entries": [
                {
                    "index": i,
                    "leaf": base64.b64encode(leaves[i]).decode(),
                    "leaf_hash": base64.b64encode(merkle.leaf_hash(leaves[i])).decode(),
                }
                for i in range(start, min(end, len(leaves)))
            ]
        }

    @app.get("/v1/log/proof/consistency")
    def consistency(first: int, second: int) -> dict[str, object]:
        proof = merkle.consistency_proof(_Nodes(leaves), first, second)
        return {"hashes": [base64.b64encode(h).decode() for h in proof]}

    return app


def _forged_log(signer: Signer, rotated: bool) -> FastAPI:
    """Events 1 and 3 of the source (2 dropped), under a checkpoint ``signer`` signed; with
    ``rotated``, the genuine statement that retired OLD for NEW at size 3."""
    return _served([HONEST[0], HONEST[2]], signer, [GENUINE] if rotated else [])


def _verify(app: FastAPI, **options: object) -> str:
    keys = SourceKeys.configured({SOURCE.name: [str(SOURCE.verifier)]})
    with Server(app) as served:
        return verify_log(served.url, sources=keys, proofs=0, **options).summary()  # type: ignore[arg-type]


def test_a_retired_key_cannot_sign_a_current_log_smaller_than_its_rotation() -> None:
    with (
        Server(_forged_log(OLD, rotated=True)) as forged,
        pytest.raises(VerificationFailedError, match="smaller than the size 3"),
    ):
        verify_log(forged.url, key=str(NEW.verifier), proofs=0)


def test_a_log_that_dropped_an_event_its_source_signed_fails() -> None:
    keys = SourceKeys.configured({SOURCE.name: [str(SOURCE.verifier)]})
    with (
        Server(_forged_log(NEW, rotated=False)) as forged,
        pytest.raises(VerificationFailedError, match="seq 2 of example-city/trips-api is not"),
    ):
        verify_log(forged.url, key=str(NEW.verifier), sources=keys, proofs=0)


def _passed_seq_2(own: Signer) -> Envelope:
    """The ledger's public notice, signed by ``own``, that it moved past the source's seq 2."""
    return sign(
        own,
        seq=1,
        type_="source.seq_resolved",
        trip_id=NO_TRIP,
        data={"source": SOURCE.name, "seq": 2, "reason": "a passport number in a name"},
    )


def test_an_honest_log_that_withheld_its_own_notice_of_a_passed_seq_passes() -> None:
    """Withholding the notice that the log moved past seq 2 hides two seqs: the ledger's
    own seq of that notice, and seq 2 of the source, which only the notice accounted for."""
    own = Signer("example-city/ledger", OLD.private_key)
    passed = _passed_seq_2(own)
    withheld = {"index": 1, "leaf_hash": merkle.leaf_hash(passed.leaf).hex()}
    notice = sign(
        own,
        seq=2,
        type_="entry.withheld",
        trip_id=NO_TRIP,
        data={**withheld, "reason": "privacy", "legal_basis": "Art. 17"},
    )
    leaves = [
        sign(SOURCE, seq=1, type_="trip.approved", trip_id=uuid.UUID(int=1), data={}).leaf,
        passed.leaf,
        sign(SOURCE, seq=3, type_="trip.approved", trip_id=uuid.UUID(int=3), data={}).leaf,
        notice.leaf,
    ]
    report = Report("", ORIGIN, len(leaves), b"", "", "", "")
    keys = SourceKeys.configured({SOURCE.name: [str(SOURCE.verifier)]})
    attest = Attestation(keys, [LogKey(OLD.verifier)], report)
    for index, leaf in enumerate(leaves):
        if index == 1:
            report.withheld.append(index)
        else:
            attest.check(index, leaf)
    attest.check_withheld([merkle.leaf_hash(leaf) for leaf in leaves])
    attest.check_sequences()  # raises if the two missing seqs were counted as one
    assert attest.passed == set()  # the only word on seq 2 is withheld


def test_an_honest_log_passes_under_the_key_it_rotated_to_and_under_a_policy_of_the_old() -> None:
    log = [*HONEST, _event(4)]
    assert _verify(_served(log, NEW, [GENUINE]), key=str(NEW.verifier)).endswith("OK")
    policy = parse_policy(f"log {OLD.verifier}\nquorum none\n")
    assert "followed through 1 rotation" in _verify(_served(log, NEW, [GENUINE]), policy=policy)


def test_a_retired_key_cannot_extend_its_own_life_by_retiring_itself_for_itself() -> None:
    fork = [*HONEST, _event(4), _event(5), _event(6)]
    forged = _rotation(6, _root(fork), old=OLD, new=OLD)
    with pytest.raises(VerificationFailedError, match="retires a key for itself"):
        _verify(_served(fork, OLD, [forged, GENUINE]), key=str(NEW.verifier))


def test_a_key_retired_twice_fails_whatever_the_order() -> None:
    """A second statement from the leaked key, to a key of its own holder's, at a larger size."""
    other = Signer(ORIGIN, Ed25519PrivateKey.generate())
    fork = [*HONEST, _event(4), _event(5), _event(6)]
    forged = _rotation(6, _root(fork), new=other)
    for rotations in ([forged, GENUINE], [GENUINE, forged]):
        with pytest.raises(VerificationFailedError, match="retire one key twice"):
            _verify(_served(fork, other, rotations), key=str(NEW.verifier))


def test_a_key_retired_before_the_key_it_followed_fails() -> None:
    """The leaked key names a predecessor of its own, retired later than itself."""
    before = Signer(ORIGIN, Ed25519PrivateKey.generate())
    fork = [*HONEST, _event(4), _event(5), _event(6)]
    forged = _rotation(6, _root(fork), old=before, new=OLD)
    with pytest.raises(VerificationFailedError, match="retired at size 3, after one retired"):
        _verify(_served(fork, before, [forged, GENUINE]), key=str(NEW.verifier))


def test_a_retired_key_cannot_sign_another_tree_of_the_size_it_was_retired_at() -> None:
    fork = [HONEST[0], _event(3), _event(2)]
    with pytest.raises(VerificationFailedError, match="another root than its rotation"):
        _verify(_served(fork, OLD, [GENUINE]), key=str(NEW.verifier))
    # Under the new key, the same fork's entries must still hash to the statement's root.
    longer = [*fork, _event(4)]
    with pytest.raises(
        VerificationFailedError, match="do not match the signed checkpoint of size 3"
    ):
        _verify(_served(longer, NEW, [GENUINE]), key=str(NEW.verifier))


def test_the_log_key_cannot_speak_under_a_sources_name() -> None:
    """The operator drops the city's seq 2 and logs, in its place, a notice under the city's
    name signed by the log key: it must not count as the city's word."""
    under_city = Signer(SOURCE.name, NEW.private_key)
    notice = sign(
        under_city,
        seq=2,
        type_="entry.withheld",
        trip_id=NO_TRIP,
        data={"index": 0, "leaf_hash": "00" * 32, "reason": "x", "legal_basis": "y"},
    )
    log = [HONEST[0], notice.leaf, HONEST[2]]
    with pytest.raises(VerificationFailedError, match="under the name of the source"):
        _verify(_served(log, NEW, []), key=str(NEW.verifier))


def test_an_event_under_the_ledgers_own_name_fails() -> None:
    own = Signer("example-city/ledger", NEW.private_key)
    passed = _passed_seq_2(own)
    claim = sign(own, seq=2, type_="trip.approved", trip_id=uuid.UUID(int=9), data={})
    report = Report("", ORIGIN, 2, b"", "", "", "")
    attest = Attestation(SourceKeys(), [LogKey(NEW.verifier)], report)
    attest.check(0, passed.leaf)
    with pytest.raises(VerificationFailedError, match="under the ledger's own name"):
        attest.check(1, claim.leaf)


def test_a_leaf_that_is_not_its_events_own_bytes_fails_though_its_signature_would_verify() -> None:
    """The operator rewrites a signed leaf in a spelling a lenient reader takes for the same
    event (``seq`` as a string): its source signed other bytes."""
    value = json.loads(HONEST[0])
    value["seq"] = "1"
    rewritten = canonical_bytes(value)
    with pytest.raises(VerificationFailedError, match="not the RFC 8785 form of its event"):
        _verify(_served([rewritten, *HONEST[1:]], NEW, []), key=str(NEW.verifier))
