"""Whether an entry whose bytes the ledger withholds may be shown as withheld under law.

Only where the ledger's own ``entry.withheld`` notice, signed and in the signed tree,
names the entry's index and leaf hash: a ledger that merely leaves bytes out is
refused, never believed.
"""

from notifier.ingest import admission
from notifier.ingest.reader import Leaf, LedgerReader
from notifier.trust import Trust
from periplus.events import WITHHELD as NOTICE
from periplus.events import EventRejectedError
from periplus.follower import NotYetError
from periplus.merkle import verify_inclusion
from periplus.note import Checkpoint


def unnoticed(
    ledger: LedgerReader,
    trust: Trust,
    leaf: Leaf,
    signed: Checkpoint,
    batch: dict[int, admission.Admitted],
) -> str | None:
    """Why the bytes of ``leaf`` may not be taken as withheld under law; None when an
    ``entry.withheld`` of the ledger's own, signed and in the signed tree (in this batch
    or read and proven on its own), names its index and its leaf hash."""
    at = leaf.notice
    if at is None or at <= leaf.index:
        return "the ledger withholds the bytes but names no later notice of it"
    if at >= signed.size:  # appended with the withholding, signed with the next checkpoint
        raise NotYetError(
            f"the notice of withheld entry {leaf.index} (entry {at}) "
            "is not yet in a signed checkpoint"
        )
    notice = batch[at] if at in batch else _notice(ledger, trust, at, signed)
    if isinstance(notice, EventRejectedError):
        return f"the ledger's notice of this withholding (entry {at}) is refused: {notice}"
    data = notice.get("data")
    named = isinstance(data, dict) and (data.get("index"), data.get("leaf_hash"))
    if notice.get("type") != NOTICE or named != (leaf.index, leaf.hash.hex()):
        return f"entry {at} is no notice of the ledger's that names this entry and its hash"
    return None


def _notice(ledger: LedgerReader, trust: Trust, at: int, signed: Checkpoint) -> admission.Admitted:
    """Entry ``at`` beyond this batch, proven in the signed tree and its signature
    checked (a notice of the ledger's is signed by the log key under its own name)."""
    found = ledger.one(at)
    if found.leaf is None:
        return EventRejectedError("its bytes are withheld too")
    proof = ledger.inclusion(at, signed.size)
    if not verify_inclusion(found.hash, at, signed.size, proof, signed.root):
        return EventRejectedError("it is not in the signed tree")
    return admission.admit_many(trust, [(at, found.leaf)])[0]
