"""Moving a source past a ``seq`` the log cannot take, in public.

The log takes each source's events in ``seq`` order and passes none, so an
event refused at a source's next ``seq`` (a type this ledger does not know
yet, text it refuses, bytes the database cannot store) holds that source
back. Only an operator may decide to go on without it, and never quietly: the
decision is appended as a ``source.seq_resolved`` event of the ledger's own
source, signed by the log key, naming the source, the seq and the reason.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from ledger.ingest.models import Quarantined, SourceState
from ledger.log import service as log_service
from ledger.log.fact import fact
from periplus import db, sources
from periplus.events import CONTROL, SEQ_RESOLVED
from periplus.note import Signer
from periplus.readiness import CheckFailedError


class ResolveError(ValueError):
    """The seq cannot be resolved; the message says why."""


@dataclass(frozen=True)
class Held:
    """A source that a quarantined event holds back at its next seq."""

    source: str
    seq: int
    reason: str
    since: datetime


def held(session: Session, configured: Iterable[str]) -> list[Held]:
    """Each configured source whose next seq was claimed by an event the log refused."""
    found: list[Held] = []
    for source in sorted(configured):
        state = session.get(SourceState, source)
        next_seq = (state.last_seq if state is not None else 0) + 1
        first = session.exec(
            select(Quarantined.reason, Quarantined.received_at)
            .where(col(Quarantined.source) == source, col(Quarantined.seq) == next_seq)
            .order_by(col(Quarantined.id))
            .limit(1)
        ).first()
        if first is not None:
            found.append(Held(source, next_seq, first[0], first[1]))
    return found


def held_sources(engine: Engine, configured: Iterable[str]) -> dict[str, object]:
    """The ``sources`` check of ``/readyz``: it fails, leaving the log ready for every
    other source, while a quarantined event holds one back, and says which and why."""
    with db.reading(engine) as connection, Session(connection) as session:
        found = [
            {"source": h.source, "seq": h.seq, "reason": h.reason, "since": h.since.isoformat()}
            for h in held(session, configured)
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
) -> int:
    """Move ``source`` past ``seq``, which a quarantined event holds; return the notice's
    index. ``signer`` is the log key under the name of the ledger's own source. The
    caller commits."""
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
    refused = session.exec(
        select(Quarantined.id).where(col(Quarantined.source) == source, col(Quarantined.seq) == seq)
    ).first()
    if refused is None:
        raise ResolveError(
            f"seq {seq} of {source} is not stuck: no event for it was quarantined; "
            "it may still arrive"
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
