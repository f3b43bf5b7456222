"""Checks that need no network: a receipt of one entry, or a whole export of the log.

Both rest on the reader's own trust policy (the log key and the witness
quorum) and, for the facts themselves, the sources' keys; what the files
carry is never taken on its word.
"""

import base64
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from periplus import merkle
from periplus.checks import (
    NOTICE,
    Attestation,
    Report,
    VerificationFailedError,
    entry_hash,
    log_keys,
    rotation_roots,
    within_reach,
)
from periplus.events import SEQ_RESOLVED, Envelope, EventRejectedError, parse_envelope
from periplus.note import NoteError
from periplus.policy import Policy, VerifiedCheckpoint
from periplus.proof import ProofFormatError, Receipt, verify_receipt
from periplus.sources import SourceKeys

WHAT = {
    "trip.approved": "approved, before departure",
    "trip.amended": "amended after approval",
    "trip.corrected": "corrected",
    "trip.change_pending": "a change waiting for another holder's approval",
    "trip.change_rejected": "a pending change rejected; the trip stands as approved",
    "trip.cancelled": "cancelled",
    "trip.completed": "completed, with its actual costs",
    "trip.reported": "reported on, with its results",
    "followup.updated": "a follow-up commitment updated",
    "trip.closed": "closed",
    "entry.withheld": "an entry's bytes withheld under law",
    "source.key_rotated": "the source's signing key replaced",
    SEQ_RESOLVED: "passed: the log holds no event of it and takes the next",
}


def describe(envelope: Envelope) -> str:
    """One fact in plain words, as a reader would tell it."""
    data = envelope.data
    found = data.get("trip")
    trip: dict[str, Any] = found if isinstance(found, dict) else {}
    reference = data.get("reference") or trip.get("reference")
    title = trip.get("title")
    subject = f"trip {envelope.trip_id}"
    if reference:
        subject = f"trip {reference} ({envelope.trip_id})"
    if title:
        subject += f', "{title}"'
    what = WHAT.get(envelope.type, envelope.type)
    if envelope.type == NOTICE:
        subject = f"entry {data.get('index')} (legal basis: {data.get('legal_basis')})"
    if envelope.type == SEQ_RESOLVED:
        subject = f"seq {data.get('seq')} of {data.get('source')} ({data.get('reason')})"
    return (
        f"{envelope.source} stated, as its event {envelope.seq} on {envelope.occurred_at}: "
        f"{subject}: {what}."
    )


def _witnesses(verified: VerifiedCheckpoint) -> str:
    if not verified.cosigned:
        return "no witness cosignature is required by the policy"
    parts = [
        f"{name} at {datetime.fromtimestamp(t, UTC):%Y-%m-%d %H:%M:%S} UTC"
        for name, t in sorted(verified.cosigned.items())
    ]
    return f"cosigned by {', '.join(parts)}, which meets the policy's quorum"


def check_receipt(
    text: str,
    policy: Policy,
    sources: SourceKeys | None = None,
    unsigned_before: int = 0,
    rotations: Sequence[str] = (),
) -> str:
    """Check a ``tlog-proof@v1`` receipt whose extra data is the entry's bytes; return
    what it proves in plain words, or raise VerificationFailedError saying what fails.
    An unsigned entry passes only below ``unsigned_before``."""
    chain = log_keys(policy, rotations)
    try:
        receipt = Receipt.parse(text)
        verified = verify_receipt(receipt, policy, keys=[key.verifier for key in chain])
    except (ProofFormatError, NoteError) as exc:
        raise VerificationFailedError("receipt", str(exc)) from exc
    within_reach(chain, verified.log_key, verified.checkpoint, "the receipt's checkpoint")
    assert receipt.extra is not None  # verify_receipt refuses a receipt without it
    try:
        envelope = parse_envelope(receipt.extra, logged=True)
    except EventRejectedError as exc:
        raise VerificationFailedError("receipt", f"the entry is no event: {exc}") from exc
    checkpoint = verified.checkpoint
    report = Report("", checkpoint.origin, checkpoint.size, checkpoint.root, "", "", "")
    attest = Attestation(sources or SourceKeys(), chain, report, unsigned_before)
    attest.check(receipt.index, receipt.extra)
    if report.signatures_checked:
        signed = "its source's signature verifies under the pinned key"
    elif report.unsigned:
        signed = "it is from before source signatures (unsigned)"
    else:
        signed = f"its source's signature was not checked (no key of {envelope.source} given)"
    return "\n".join(
        [
            f"entry {receipt.index} of {checkpoint.origin} is in the log: the inclusion proof "
            f"leads to the root of the checkpoint of size {checkpoint.size}, signed by "
            f"{verified.log_key.name} (key {verified.log_key.key_id.hex()}) and "
            f"{_witnesses(verified)};",
            f"{signed};",
            describe(envelope),
            "OK",
        ]
    )


@dataclass
class Export:
    """What an export check found."""

    report: Report
    cosigned: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        cosigned = ", ".join(sorted(self.cosigned)) or "none required"
        return "\n".join(
            [
                f"export of {self.report.origin}: {self.report.entries} entries",
                f"checkpoint of size {self.report.size}, witnesses: {cosigned}",
                "the entries hash to the checkpoint's root",
                f"source signatures checked: {self.report.signatures_checked}",
                f"withheld under law (hash checked, notice found): {len(self.report.withheld)}",
                "OK",
            ]
        )


def check_export(
    lines: Iterable[str],
    policy: Policy,
    sources: SourceKeys | None = None,
    unsigned_before: int = 0,
    rotations: Sequence[str] = (),
) -> Export:
    """Check a JSON Lines export (a checkpoint header, then every entry from 0); entries
    from ``unsigned_before`` on must be signed, and the entries must hash to the root
    that each rotation statement names at its size."""
    chain = log_keys(policy, rotations)
    roots = rotation_roots(chain)
    rows = iter(lines)
    try:
        header: dict[str, Any] = json.loads(next(rows))
        note, size = str(header["checkpoint"]), int(header["tree_size"])
    except (StopIteration, ValueError, KeyError, TypeError) as exc:
        raise VerificationFailedError("export", "the first line names no checkpoint") from exc
    try:
        verified = policy.verify_checkpoint(note, keys=[key.verifier for key in chain])
    except NoteError as exc:
        raise VerificationFailedError("witnesses", str(exc)) from exc
    checkpoint = verified.checkpoint
    within_reach(chain, verified.log_key, checkpoint, "the export's checkpoint")
    if checkpoint.size != size:
        raise VerificationFailedError("export", "the header's size is not the checkpoint's")
    report = Report("", checkpoint.origin, size, checkpoint.root, note, str(verified.log_key), "")
    attest = Attestation(sources or SourceKeys(), chain, report, unsigned_before)
    compact = merkle.CompactRange()
    hashes: list[bytes] = []
    for line in rows:
        if not line.strip():
            continue
        index = compact.size
        try:
            item: dict[str, Any] = json.loads(line)
        except ValueError as exc:
            raise VerificationFailedError("export", "a line is not JSON", index) from exc
        if not isinstance(item, dict):
            raise VerificationFailedError("export", "a line is not a JSON object", index)
        if item.get("index") != index:
            raise VerificationFailedError("export", "entries are missing or out of order", index)
        digest = entry_hash(index, item, report.withheld)
        if not item.get("withheld"):
            attest.check(index, base64.b64decode(str(item.get("leaf"))))
        hashes.append(digest)
        compact.append(digest)
        if compact.size in roots and compact.root() != roots[compact.size]:
            raise VerificationFailedError(
                "key",
                f"the entries do not hash to the root that a rotation statement names at "
                f"size {compact.size}",
                index,
            )
    report.entries = compact.size
    if compact.size != size:
        raise VerificationFailedError(
            "export", f"the export holds {compact.size} entries, the checkpoint {size}"
        )
    if compact.root() != checkpoint.root:
        raise VerificationFailedError("root", "the entries do not hash to the signed root")
    attest.check_withheld(hashes)
    attest.check_sequences()
    return Export(report, dict(verified.cosigned))
