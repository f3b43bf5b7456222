"""The log's entries as the API shows them: the leaf, the hash the tree keeps, any withholding.

Routes of the log and of the auditors' queries answer with the same shape.
"""

import json
from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from ledger.log import repository
from ledger.log.models import Entry
from ledger.log.schemas import LogEntry, Withheld, b64


def _event(leaf: bytes) -> dict[str, Any] | None:
    """The event, or None if the stored bytes are not a JSON object (the verifier will say)."""
    try:
        value = json.loads(leaf)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def log_entries(session: Session, rows: Sequence[Entry]) -> list[LogEntry]:
    """Entries with the leaf hash the tree keeps (not recomputed) and any withholding."""
    if not rows:
        return []
    indices = [row.index for row in rows]
    hashes = repository.NodeStore(session).get_nodes([(0, i) for i in indices])
    withheld = repository.withholdings(session, indices)
    out: list[LogEntry] = []
    for row in rows:
        held = withheld.get(row.index)
        out.append(
            LogEntry(
                index=row.index,
                leaf="" if held else b64(row.leaf),
                leaf_hash=b64(hashes[(0, row.index)]),
                event=None if held else _event(row.leaf),
                withheld=(
                    Withheld(
                        reason=held.reason,
                        legal_basis=held.legal_basis,
                        notice_index=held.notice_index,
                        withheld_at=held.withheld_at,
                    )
                    if held
                    else None
                ),
            )
        )
    return out
