"""The log's public contract: key, checkpoints, entries, proofs, and the quarantine."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse, Response

from ledger import state
from ledger.cosigning import service as cosigning
from ledger.deps import SessionDep
from ledger.ingest import repository as ingest_repository
from ledger.ingest.resolve import signed
from ledger.log import repository
from ledger.log.entries import json_response, log_entries
from ledger.log.models import Entry, Withholding
from ledger.log.repository import NodeStore, tree_size
from ledger.log.rotation import current_key
from ledger.log.schemas import (
    Checkpoints,
    ConsistencyProof,
    Entries,
    InclusionProof,
    Keys,
    Quarantine,
    QuarantinedOut,
    Rotation,
    SignedCheckpointOut,
    Witnesses,
    WitnessOut,
    b64,
)
from periplus import merkle
from periplus.errors import BadRequestError, NotFoundError, ProblemError, UnavailableError
from periplus.policy import Policy
from periplus.proof import Receipt

router = APIRouter(prefix="/v1/log", tags=["log"])

MAX_ENTRIES = 1000
Index = Annotated[int, Query(ge=0, le=2**53)]
Limit = Annotated[int, Query(ge=1, le=MAX_ENTRIES)]


@router.get("/key", response_class=PlainTextResponse, summary="The verifier key (note format)")
def key(request: Request, session: SessionDep) -> str:
    return f"{current_key(session, state.of(request.app).keys.signer)}\n"


@router.get("/keys", summary="Every key rotation, each stated and signed by both keys")
def keys(request: Request, session: SessionDep) -> Keys:
    rows = repository.rotations(session)
    return Keys(
        current=current_key(session, state.of(request.app).keys.signer),
        rotations=[
            Rotation(
                old_key=row.old_key,
                new_key=row.new_key,
                tree_size=row.tree_size,
                statement=row.statement,
                rotated_at=row.rotated_at,
            )
            for row in rows
        ],
    )


@router.get(
    "/checkpoint",
    response_class=PlainTextResponse,
    summary="The checkpoint to rely on (C2SP signed note, with witness cosignatures)",
    description=(
        "With a witness policy, the newest checkpoint whose cosignatures meet the quorum, "
        "with every cosignature collected; without one, the newest signed checkpoint."
    ),
    responses={503: {"description": "No checkpoint signed, or none witnessed, yet"}},
)
def checkpoint(request: Request, session: SessionDep) -> PlainTextResponse:
    return served_response(session, state.of(request.app).policy)


def served_response(session: SessionDep, policy: Policy | None) -> PlainTextResponse:
    served = cosigning.served(session, policy)
    if served is None:
        detail = (
            "No checkpoint has met the witness quorum yet."
            if policy is not None
            else "The first checkpoint is being signed."
        )
        raise UnavailableError(detail, headers={"Retry-After": "1"})
    note = cosigning.served_note(served, policy)
    return PlainTextResponse(note, headers={"Cache-Control": "no-cache"})


@router.get(
    "/checkpoint/latest",
    response_class=PlainTextResponse,
    summary="The newest signed checkpoint, whether or not witnesses have cosigned it yet",
    responses={503: {"description": "No checkpoint signed yet"}},
)
def latest(session: SessionDep) -> PlainTextResponse:
    return served_response(session, None)


@router.get("/witnesses", summary="The witness policy and what each witness last cosigned")
def witnesses(request: Request, session: SessionDep) -> Witnesses:
    policy = state.of(request.app).policy
    if policy is None:
        return Witnesses(policy=None, witnesses=[])
    known = {row.witness: row for row in cosigning.states(session)}
    return Witnesses(
        policy=str(policy),
        witnesses=[
            WitnessOut(
                name=w.name,
                key=str(w.key),
                url=w.url,
                size=known[w.name].size if w.name in known else None,
                checked_at=known[w.name].checked_at if w.name in known else None,
                problem=known[w.name].problem if w.name in known else None,
            )
            for w in policy.witnesses.values()
        ],
    )


@router.get(
    "/receipt",
    response_class=PlainTextResponse,
    summary="A receipt of one entry that verifies offline (C2SP tlog-proof@v1)",
    description=(
        "The entry's index, its inclusion proof and the checkpoint to rely on (cosigned "
        "under a witness policy); the `extra` line is the base64 of the entry's bytes. "
        "`ledger verify --receipt FILE --policy FILE` checks it with no network."
    ),
    responses={
        404: {"description": "No such entry in a checkpoint to rely on yet"},
        451: {"description": "The entry's bytes are withheld under law"},
    },
)
def receipt(request: Request, session: SessionDep, index: Index) -> PlainTextResponse:
    policy = state.of(request.app).policy
    served = cosigning.served(session, policy)
    if served is None or index >= served.size:
        raise NotFoundError(
            f"Entry {index} is not yet under a checkpoint to rely on; try again shortly.",
            headers={"Retry-After": "1"},
        )
    entry = session.get(Entry, index)
    held = session.get(Withholding, index)
    if entry is None:
        raise NotFoundError(f"The log has no entry {index}.")
    if held is not None:
        raise ProblemError(
            451,
            "Unavailable for legal reasons",
            f"The bytes of entry {index} are withheld under {held.legal_basis}; "
            f"see the public notice at index {held.notice_index}.",
        )
    store = NodeStore(session)
    ranges = merkle.inclusion_ranges(index, served.size)
    found = store.get_nodes({n for a, b in ranges for n in merkle.range_nodes(a, b)})
    proof = [merkle.fold([found[n] for n in merkle.range_nodes(a, b)]) for a, b in ranges]
    text = Receipt(index, proof, cosigning.served_note(served, policy), entry.leaf)
    return PlainTextResponse(
        str(text),
        headers={"Content-Disposition": f'attachment; filename="entry-{index}.tlog-proof"'},
    )


@router.get("/checkpoints", summary="Every signed checkpoint, oldest first, after a size")
def checkpoints(
    session: SessionDep,
    after: Annotated[int, Query(ge=-1, le=2**53)] = -1,
    limit: Limit = MAX_ENTRIES,
) -> Checkpoints:
    rows = repository.checkpoints_after(session, after, limit)
    return Checkpoints(
        checkpoints=[
            SignedCheckpointOut(
                size=row.size,
                root=b64(row.root),
                signed_at=row.signed_at,
                note=row.note,
                witnessed=row.witnessed,
            )
            for row in rows
        ]
    )


@router.get(
    "/entries",
    summary="Entries from start (inclusive) to end (exclusive)",
    response_model=Entries,
)
def entries(session: SessionDep, start: Index, end: Index) -> Response:
    if end < start:
        raise BadRequestError("end must not be less than start.")
    end = min(end, start + MAX_ENTRIES)
    rows = repository.entries_between(session, start, end)
    return json_response({"entries": log_entries(session, rows)})


def _within(session: SessionDep, size: int) -> None:
    current = tree_size(session)
    if size > current:
        raise BadRequestError(f"The log has {current} entries, not {size}.")


@router.get("/proof/inclusion", summary="Inclusion proof of one entry in a tree size")
def inclusion(session: SessionDep, index: Index, tree_size: Index) -> InclusionProof:
    if index >= tree_size:
        raise BadRequestError("index must be less than tree_size.")
    _within(session, tree_size)
    store = NodeStore(session)
    ranges = merkle.inclusion_ranges(index, tree_size)
    wanted = {(0, index)} | {n for a, b in ranges for n in merkle.range_nodes(a, b)}
    found = store.get_nodes(wanted)
    hashes = [merkle.fold([found[n] for n in merkle.range_nodes(a, b)]) for a, b in ranges]
    return InclusionProof(
        index=index,
        tree_size=tree_size,
        leaf_hash=b64(found[(0, index)]),
        hashes=[b64(h) for h in hashes],
    )


@router.get("/proof/consistency", summary="Consistency proof between two tree sizes")
def consistency(session: SessionDep, first: Index, second: Index) -> ConsistencyProof:
    if first > second:
        raise BadRequestError("first must not exceed second.")
    _within(session, second)
    hashes = merkle.consistency_proof(NodeStore(session), first, second)
    return ConsistencyProof(first=first, second=second, hashes=[b64(h) for h in hashes])


@router.get("/quarantine", summary="Events refused by the log, with the reason, oldest first")
def quarantine(
    request: Request,
    session: SessionDep,
    after: Annotated[int, Query(ge=0, le=2**53)] = 0,
    limit: Limit = 100,
) -> Quarantine:
    ingestor = state.of(request.app).ingestor
    rows = ingest_repository.quarantined_after(session, after, limit)
    return Quarantine(
        events=[
            QuarantinedOut(
                id=row.id or 0,
                received_at=row.received_at,
                origin=row.origin,
                reason=row.reason,
                raw=(
                    row.raw.decode("utf-8", errors="replace")
                    if row.id is not None
                    and signed(row.id, row.raw, ingestor.keys, ingestor.verdicts)
                    else None
                ),
                sha256=row.sha256,
                size=row.size,
                source=row.source,
                seq=row.seq,
            )
            for row in rows
        ]
    )
