"""The log's entries as the API shows them: the leaf, the hash the tree keeps, any withholding.

Routes of the log and of the auditors' queries answer with the same shape
(``schemas.LogEntry``, which documents it). The bodies are written with
orjson, and each entry's ``event`` is its leaf bytes as they are, since they
are the event's RFC 8785 JSON already: decoding every event and encoding it
again was most of what serving a page of entries cost.
"""

from collections.abc import Sequence
from typing import Any

import orjson
from fastapi.responses import Response
from sqlmodel import Session

from ledger.log import repository
from ledger.log.repository import Leaf
from ledger.log.schemas import Withheld, b64

Body = dict[str, Any]


def _event(leaf: bytes) -> orjson.Fragment | None:
    """The event, or None if the stored bytes are not a JSON object (the verifier will say)."""
    try:
        value = orjson.loads(leaf)
    except orjson.JSONDecodeError:
        return None
    return orjson.Fragment(leaf) if isinstance(value, dict) else None


def log_entries(session: Session, rows: Sequence[Leaf]) -> list[Body]:
    """Entries with the leaf hash the tree keeps (not recomputed) and any withholding."""
    if not rows:
        return []
    indices = [index for index, _ in rows]
    hashes = repository.leaf_hashes(session, indices)
    withheld = repository.withholdings(session, indices)
    out: list[Body] = []
    for index, leaf in rows:
        held = withheld.get(index)
        if held is None:
            out.append(
                {
                    "index": index,
                    "leaf": b64(leaf),
                    "leaf_hash": b64(hashes[index]),
                    "event": _event(leaf),
                    "withheld": None,
                }
            )
            continue
        notice = Withheld(
            reason=held.reason,
            legal_basis=held.legal_basis,
            notice_index=held.notice_index,
            withheld_at=held.withheld_at,
        )
        out.append(
            {
                "index": index,
                "leaf": "",
                "leaf_hash": b64(hashes[index]),
                "event": None,
                "withheld": notice.model_dump(mode="json"),
            }
        )
    return out


def json_response(body: Body) -> Response:
    return Response(orjson.dumps(body), media_type="application/json")


def json_line(entry: Body) -> bytes:
    return orjson.dumps(entry) + b"\n"
