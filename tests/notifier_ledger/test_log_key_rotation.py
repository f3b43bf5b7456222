"""The ledger rotates its log key: the notifier, whose policy still names the old key,
follows the rotation that both keys signed and goes on showing entries; the retired key
vouches for no larger tree, nor for another of the size it last signed, even once the
policy names both keys or a server leaves the rotation out."""

import uuid
from dataclasses import replace

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import Session

from ledger.log.rotation import rotate
from ledger.testing import Ledger
from notifier import state
from notifier.ingest.logkeys import LogKeys
from notifier.testing import life, numbered
from periplus.note import Checkpoint, NoteError, Signer
from tests.notifier_ledger.ingest import ORIGIN, notifier, shown


def test_the_notifier_follows_a_rotation_and_limits_the_retired_key(
    database_url: str, ledger: Ledger
) -> None:
    old = ledger.signer
    new = Signer(ORIGIN, Ed25519PrivateKey.generate())
    ledger.append(numbered(life(str(uuid.uuid4()))))
    with notifier(database_url, ledger) as site:
        ingestor = state.of(site.app).ingestor
        assert ingestor.catch_up() == 5
        with Session(ledger.engine) as session:
            rotate(session, old, new)
            session.commit()
        rotated = replace(ledger, signer=new)
        rotated.append(numbered(life(str(uuid.uuid4()), "MVD-2026-0002"), first=6))
        assert ingestor.catch_up() == 5
        assert shown(site) == list(range(10))
        checkpoint = Checkpoint.parse_body(
            ledger.get("/v1/log/checkpoint").text.split("\n\n")[0] + "\n"
        )
        assert checkpoint.size == 10
        # The old key, leaked: neither a larger tree, nor another tree of its last size.
        larger = old.sign(Checkpoint(ORIGIN, 10, checkpoint.root).body())
        with pytest.raises(NoteError, match="retired at size 5"):
            ingestor.log_keys.verify(larger)
        other = old.sign(Checkpoint(ORIGIN, 5, bytes(32)).body())
        with pytest.raises(NoteError, match="another root than its rotation statement"):
            ingestor.log_keys.verify(other)
        # What was learnt stays learnt: a server that leaves the rotation out takes nothing
        # back, nor does a restart, which reads the statements the notifier kept.
        ingestor.log_keys.statements = list
        with pytest.raises(NoteError, match="retired at size 5"):
            ingestor.log_keys.verify(larger)
        restarted = LogKeys(state.of(site.app).trust, list, site.app.state.engine)
        with pytest.raises(NoteError, match="retired at size 5"):
            restarted.verify(larger)
        assert restarted.verify(ledger.get("/v1/log/checkpoint").text).size == 10


def test_a_new_notifier_whose_policy_names_the_old_key_starts_after_a_rotation(
    database_url: str, ledger: Ledger
) -> None:
    old = ledger.signer
    new = Signer(ORIGIN, Ed25519PrivateKey.generate())
    ledger.append(numbered(life(str(uuid.uuid4()))))
    with Session(ledger.engine) as session:
        rotate(session, old, new)
        session.commit()
    replace(ledger, signer=new).append(numbered(life(str(uuid.uuid4()), "MVD-2026-0002"), first=6))
    with notifier(database_url, ledger) as site:
        ingestor = state.of(site.app).ingestor
        assert ingestor.catch_up() == 10
        assert isinstance(ingestor.log_keys, LogKeys)
        assert [k.limit for k in ingestor.log_keys.keys or []] == [None, 5]
