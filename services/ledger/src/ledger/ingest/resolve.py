"""Moving a source past a ``seq`` the log cannot take, in public.

The log takes each source's events in ``seq`` order and passes none, so an
event refused at a source's next ``seq`` (a type this ledger does not know
yet, text it refuses, bytes the database cannot store) holds that source
back. Only an operator may decide to go on without it, and never quietly: the
decision is appended as a ``source.seq_resolved`` event of the ledger's own
source, signed by the log key, naming the source, the seq and the reason.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from ledger.ingest.models import Quarantined, SourceState
from ledger.log import service as log_service
from ledger.log.fact import fact
from periplus import db, sources
from periplus.canonical import canonical_bytes
from periplus.events import CONTROL, SEQ_RESOLVED
from periplus.note import Signer
from periplus.readiness import CheckFailedError
from periplus.sources import SourceKeys

Verdicts = dict[int, bool]
"""Whether each quarantined row (by id) is signed by the source it names, as found once:
anyone who can write to the broker can add rows that name a source and a seq, and each is
read and checked once per process, not at every look."""


class ResolveError(ValueError):
    """The seq cannot be resolved; the message says why."""


@dataclass(frozen=True)
class Held:
    """A source that a quarantined event holds back at its next seq."""

    source: str
    seq: int
    reason: str
    since: datetime


def held(
    session: Session, configured: Iterable[str], keys: SourceKeys, verdicts: Verdicts | None = None
) -> list[Held]:
    """Each configured source whose next seq was claimed by an event the log refused that
    its source signed (``keys``): one that names the source and the seq, and no more, holds
    nothing back."""
    found: list[Held] = []
    for source in sorted(configured):
        state = session.get(SourceState, source)
        next_seq = (state.last_seq if state is not None else 0) + 1
        refused = _signed(session, source, next_seq, keys, verdicts)
        if refused is not None:
            found.append(Held(source, next_seq, refused.reason, refused.received_at))
    return found


def _signed(
    session: Session, source: str, seq: int, keys: SourceKeys, verdicts: Verdicts | None
) -> Quarantined | None:
    """The first refused event at ``source``'s ``seq`` that carries its source's signature,
    however many unsigned ones came before it."""
    verdicts = {} if verdicts is None else verdicts
    ids = session.exec(
        select(Quarantined.id)
        .where(col(Quarantined.source) == source, col(Quarantined.seq) == seq)
        .order_by(col(Quarantined.id))
    ).all()
    for row_id in ids:
        if row_id is None:
            continue
        if verdicts.get(row_id) is False:
            continue  # known unsigned: its bytes are not read again
        row = session.get(Quarantined, row_id)
        if row is not None and signed(row_id, row.raw, keys, verdicts):
            return row
    return None


def signed(row_id: int, raw: bytes, keys: SourceKeys, verdicts: Verdicts) -> bool:
    """Whether the quarantined row ``row_id`` holds bytes signed by the source they name,
    found once per row (``verdicts``); bytes withheld since (none kept) are no one's."""
    if not raw:
        return False
    verdict = verdicts.get(row_id)
    if verdict is None:
        verdict = verdicts[row_id] = signed_by_its_source(raw, keys)
    return verdict


def signed_by_its_source(raw: bytes, keys: SourceKeys) -> bool:
    """Whether ``raw``, an event refused for what it says, carries a signature of the source
    it names over its other members (as the source signs them, in RFC 8785 form)."""
    try:
        value = json.loads(raw)
        if not isinstance(value, dict):
            return False
        unsigned = {name: member for name, member in value.items() if name != "sig"}
        claim = sources.Claim(
            str(value["spec"]),
            str(value["source"]),
            int(value["seq"]),
            str(value["sig"]),
            canonical_bytes(unsigned),
        )
        keys.check(claim)
    except (ValueError, TypeError, KeyError, RecursionError):  # EventRejectedError included
        return False
    return True


def held_sources(
    engine: Engine, configured: Iterable[str], keys: SourceKeys, verdicts: Verdicts | None = None
) -> dict[str, object]:
    """The ``sources`` check of ``/readyz``: it fails, leaving the log ready for every
    other source, while a quarantined event holds one back, and says which and why."""
    with db.reading(engine) as connection, Session(connection) as session:
        found = [
            {"source": h.source, "seq": h.seq, "reason": h.reason, "since": h.since.isoformat()}
            for h in held(session, configured, keys, verdicts)
        ]
    if found:
        raise CheckFailedError(
            "a quarantined event holds a source back; `ledger resolve` moves past it in public",
            held=found,
        )
    return {"held": found}


def resolve(
    session: Session,
    source: str,
    seq: int,
    reason: str,
    signer: Signer,
    configured: Iterable[str],
    keys: SourceKeys,
) -> int:
    """Move ``source`` past ``seq``, which a quarantined event signed by the source
    (``keys``) holds; return the notice's index. ``signer`` is the log key under the name of
    the ledger's own source. The caller commits."""
    if source not in set(configured):
        raise ResolveError(f"{source} is not one of this log's sources (LEDGER_SOURCES)")
    if not reason.strip():
        raise ResolveError("say why, in public: --reason")
    if CONTROL.search(reason):
        raise ResolveError("the reason holds a control character (only tab and line breaks)")
    state = session.get(SourceState, source) or SourceState(source=source, last_seq=0)
    if seq != state.last_seq + 1:
        raise ResolveError(
            f"seq {seq} of {source} holds nothing back: the log's next seq of it is "
            f"{state.last_seq + 1}"
        )
    if _signed(session, source, seq, keys, None) is None:
        raise ResolveError(
            f"seq {seq} of {source} is not stuck: no event for it signed by {source} was "
            "quarantined (one anyone could have sent holds nothing back); it may still arrive"
        )
    own = session.get(SourceState, signer.name) or SourceState(source=signer.name, last_seq=0)
    own.last_seq += 1
    notice = sources.sign(
        signer,
        seq=own.last_seq,
        type_=SEQ_RESOLVED,
        trip_id=sources.NO_TRIP,
        data={"source": source, "seq": seq, "reason": reason},
    )
    [index] = log_service.append(session, [fact(notice)])
    state.last_seq = seq
    session.add(own)
    session.add(state)
    return index
