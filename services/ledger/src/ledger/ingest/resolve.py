"""Moving a source past a ``seq`` the log cannot take, in public.

The log takes each source's events in ``seq`` order and passes none, so an
event refused at a source's next ``seq`` (a type this ledger does not know
yet, text it refuses, bytes the database cannot store) holds that source
back. Only an operator may decide to go on without it, and never quietly: the
decision is appended as a ``source.seq_resolved`` event of the ledger's own
source, signed by the log key, naming the source, the seq and the reason.

A seq that never came holds its source back too: later seqs came, and neither
the broker nor the source's catch-up endpoint gave it (a source that lost it).
It may still come, so it is resolved only once the source, asked for it, answered
with what follows it instead, or once it has been missing ``missing_after``
seconds (``LEDGER_RESOLVE_MISSING_AFTER``); the notice's reason says it never
arrived.

The writer lock is not needed to decide: where another process writes, the
decision is queued (``request``) and the writer applies it in its next ingest
round (``apply_requested``), refusing it, with the reason, if it no longer holds.
A queued decision is signed with the log key, as the notice it becomes will be: a
row written by someone with the database alone is refused, not signed into the log.
"""

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from ledger.ingest.models import MissingSeq, Quarantined, ResolutionRequest, SourceState
from ledger.log import service as log_service
from ledger.log.fact import fact
from periplus import db, sources
from periplus.canonical import canonical_bytes
from periplus.events import CONTROL, SEQ_RESOLVED
from periplus.note import NoteError, Signer
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
    """A source held back at its next seq: by a quarantined event, or by a seq that never
    came (``missing``), since ``since``."""

    source: str
    seq: int
    reason: str
    since: datetime
    missing: bool = False


def held(
    session: Session, configured: Iterable[str], keys: SourceKeys, verdicts: Verdicts | None = None
) -> list[Held]:
    """Each configured source whose next seq was claimed by an event the log refused that
    its source signed (``keys``), or never came while later ones did: one that names the
    source and the seq, and no more, holds nothing back."""
    found: list[Held] = []
    for source in sorted(configured):
        state = session.get(SourceState, source)
        next_seq = (state.last_seq if state is not None else 0) + 1
        refused = _signed(session, source, next_seq, keys, verdicts)
        if refused is not None:
            found.append(Held(source, next_seq, refused.reason, refused.received_at))
            continue
        gap = missing(session, source, next_seq)
        if gap is not None:
            found.append(Held(source, next_seq, _missing_reason(gap), _utc(gap.since), True))
    return found


def missing(session: Session, source: str, seq: int) -> MissingSeq | None:
    """The record that ``source``'s ``seq`` never came, if it is the one missing now."""
    row = session.get(MissingSeq, source)
    return row if row is not None and row.seq == seq else None


def _missing_reason(gap: MissingSeq) -> str:
    if gap.denied_at is None:
        return (
            f"seq {gap.seq} of {gap.source} has not arrived: later seqs did, and neither the "
            f"broker nor {gap.source} has given it yet"
        )
    return (
        f"seq {gap.seq} of {gap.source} never arrived: later seqs did, and {gap.source}, "
        f"asked for it, answered that it does not have it ({_utc(gap.denied_at).isoformat()})"
    )


def note_missing(session: Session, source: str, seq: int) -> bool:
    """Record that ``source``'s next seq, ``seq``, did not come while a later one did;
    True if it was not known missing before. The caller commits."""
    row = session.get(MissingSeq, source)
    if row is not None and row.seq == seq:
        return False
    row = row or MissingSeq(source=source, seq=seq, since=datetime.now(UTC))
    row.seq, row.since, row.denied_at = seq, datetime.now(UTC), None
    session.add(row)
    return True


def note_denied(session: Session, source: str, seq: int) -> bool:
    """Record that ``source``, asked for its missing ``seq``, answered without it; True if
    that is news. The caller commits."""
    row = missing(session, source, seq)
    if row is None or row.denied_at is not None:
        return False
    row.denied_at = datetime.now(UTC)
    session.add(row)
    return True


def _utc(moment: datetime) -> datetime:
    """A time read back from SQLite carries no zone; every time stored is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


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
        found = [_shown(h) for h in held(session, configured, keys, verdicts)]
    if found:
        raise CheckFailedError(
            "a quarantined event or a seq that never came holds a source back; "
            "`ledger resolve` moves past it in public",
            held=found,
        )
    return {"held": found}


def check_request(source: str, reason: str, configured: Iterable[str]) -> None:
    """Refuse at once what no writer could apply: an unknown source, a reason not given."""
    if source not in set(configured):
        raise ResolveError(f"{source} is not one of this log's sources (LEDGER_SOURCES)")
    if not reason.strip():
        raise ResolveError("say why, in public: --reason")
    if CONTROL.search(reason):
        raise ResolveError("the reason holds a control character (only tab and line breaks)")


def _shown(held: Held) -> dict[str, object]:
    """A held source as ``/readyz`` shows it; a missing seq with how long it has been."""
    shown: dict[str, object] = {
        "source": held.source,
        "seq": held.seq,
        "reason": held.reason,
        "since": held.since.isoformat(),
    }
    if held.missing:
        shown["missing_seconds"] = round((datetime.now(UTC) - held.since).total_seconds())
    return shown


def resolve(
    session: Session,
    source: str,
    seq: int,
    reason: str,
    signer: Signer,
    configured: Iterable[str],
    keys: SourceKeys,
    missing_after: float = 3600.0,
) -> int:
    """Move ``source`` past ``seq``, which a quarantined event signed by the source
    (``keys``) holds, or which never came (denied by the source, or missing for
    ``missing_after`` seconds); return the notice's index. ``signer`` is the log key under
    the name of the ledger's own source. The caller commits."""
    check_request(source, reason, configured)
    state = session.get(SourceState, source) or SourceState(source=source, last_seq=0)
    if seq != state.last_seq + 1:
        raise ResolveError(
            f"seq {seq} of {source} holds nothing back: the log's next seq of it is "
            f"{state.last_seq + 1}"
        )
    if _signed(session, source, seq, keys, None) is None:
        reason = _never_arrived(session, source, seq, missing_after) + reason
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


def _never_arrived(session: Session, source: str, seq: int, missing_after: float) -> str:
    """What the notice says first of a seq that never came, if it may be passed; else
    ResolveError: it may still come."""
    gap = missing(session, source, seq)
    if gap is None:
        raise ResolveError(
            f"seq {seq} of {source} is not stuck: no event for it signed by {source} was "
            "quarantined (one anyone could have sent holds nothing back), and no later seq "
            "came without it; it may still arrive"
        )
    if gap.denied_at is not None:
        return f"seq {seq} never arrived; {source}, asked for it, does not have it. "
    since = _utc(gap.since)
    due = since + timedelta(seconds=missing_after)
    if datetime.now(UTC) < due:
        raise ResolveError(
            f"seq {seq} of {source} is missing since {since.isoformat()}, but {source} has "
            "not answered that it does not have it, so it may still arrive: it can be "
            f"resolved once {source} says so, or from {due.isoformat()} "
            "(LEDGER_RESOLVE_MISSING_AFTER)"
        )
    return f"seq {seq} never arrived; missing since {since.isoformat()}. "


def request(
    session: Session, source: str, seq: int, reason: str, signer: Signer
) -> ResolutionRequest:
    """Queue a decision for the writer, which applies it in its next ingest round, signed
    by ``signer`` (the log key under the ledger's own source's name). The caller commits."""
    row = ResolutionRequest(source=source, seq=seq, reason=reason, requested_at=datetime.now(UTC))
    row.note = signer.sign(_request_text(row))
    session.add(row)
    session.flush()
    return row


def _request_text(row: ResolutionRequest) -> str:
    """What a queued decision's signature covers: all it asks, and when."""
    asked = {
        "source": row.source,
        "seq": row.seq,
        "reason": row.reason,
        "requested_at": _utc(row.requested_at).isoformat(),
    }
    return f"ledger resolve request\n{canonical_bytes(asked).decode()}\n"


REQUEST_LIFETIME = timedelta(minutes=15)
"""How long a queued decision may wait for the writer: a signed request read back later
(a row copied, or its outcome erased, by someone with the database) is refused as stale,
not applied to what the log has become since."""


def _check_signed(row: ResolutionRequest, signer: Signer) -> None:
    """Raise ResolveError unless ``row`` is what its note, signed by ``signer``, asks, and
    was asked within ``REQUEST_LIFETIME``."""
    waited = datetime.now(UTC) - _utc(row.requested_at)
    if waited > REQUEST_LIFETIME:
        raise ResolveError(
            f"the request was made {waited.total_seconds() / 60:.0f} minutes ago, longer "
            f"than a decision may wait ({REQUEST_LIFETIME.total_seconds() / 60:.0f}): "
            "run `ledger resolve` again"
        )
    try:
        if signer.verifier.verify(row.note) != _request_text(row):
            raise NoteError("the note asks for something else than the row")
    except NoteError as exc:
        raise ResolveError(
            f"the request is not signed with the log key ({exc}): it was not made by "
            "`ledger resolve`"
        ) from exc


def apply_requested(
    session: Session,
    signer: Signer,
    configured: Iterable[str],
    keys: SourceKeys,
    missing_after: float,
) -> Sequence[ResolutionRequest]:
    """Apply the decisions queued, in order, each on its own: a notice appended, or the
    reason it no longer holds recorded. The caller commits."""
    pending = session.exec(
        select(ResolutionRequest)
        .where(col(ResolutionRequest.done_at).is_(None))
        .order_by(col(ResolutionRequest.id))
    ).all()
    for row in pending:
        try:
            _check_signed(row, signer)
            with session.begin_nested():
                row.notice_index = resolve(
                    session,
                    row.source,
                    row.seq,
                    row.reason,
                    signer,
                    configured,
                    keys,
                    missing_after,
                )
        except ResolveError as exc:
            row.refused = str(exc)
        row.done_at = datetime.now(UTC)
        session.add(row)
    return pending
