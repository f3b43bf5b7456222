"""What an auditor checks of keys and entries, online (``verify``) or offline.

A failure is a VerificationFailedError naming the check and, where there is
one, the entry's index; the Report collects what was checked.
"""

import base64
import binascii
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from periplus import merkle
from periplus.canonical import canonical_bytes
from periplus.events import (
    LEDGER_NOTICES,
    SEQ_RESOLVED,
    UNSIGNED_SPEC,
    EventRejectedError,
    parse_envelope,
)
from periplus.note import Checkpoint, NoteError, Verifier, open_checkpoint
from periplus.policy import Policy
from periplus.sources import ROTATION, SourceKeys

ROTATION_HEADER = "periplus.key-rotation/1"
NOTICE = "entry.withheld"


class VerificationFailedError(Exception):
    """One check failed; ``check`` names it and ``index`` points at the entry, if any."""

    def __init__(self, check: str, detail: str, index: int | None = None) -> None:
        where = f" at index {index}" if index is not None else ""
        super().__init__(f"{check}{where}: {detail}")
        self.check, self.detail, self.index = check, detail, index


@dataclass
class Report:
    """What was checked, for the auditor's records."""

    url: str
    origin: str
    size: int
    root: bytes
    checkpoint: str
    key: str
    key_source: str
    entries: int = 0
    withheld: list[int] = field(default_factory=list)
    history_checked: int = 0
    consistent_with: int | None = None
    proofs_checked: int = 0
    cosigned_by: list[str] = field(default_factory=list)
    signatures_checked: int = 0
    unsigned: int = 0
    sources_not_pinned: set[str] = field(default_factory=set)

    def summary(self) -> str:
        lines = [
            f"log {self.origin} at {self.url}",
            f"verifier key ({self.key_source}): {self.key}",
            f"signed checkpoint: size {self.size}, root {base64.b64encode(self.root).decode()}",
            f"recomputed the root from all {self.entries} entries: it matches",
            f"signed checkpoints of the history that match the entries: {self.history_checked}",
            f"inclusion proofs checked against the checkpoint: {self.proofs_checked}",
            f"source signatures checked under pinned keys: {self.signatures_checked}",
        ]
        if self.cosigned_by:
            lines.append(
                f"cosigned by {len(self.cosigned_by)} witness(es) of the policy, meeting its "
                f"quorum: {', '.join(self.cosigned_by)}"
            )
        if self.unsigned:
            lines.append(
                f"entries from before source signatures ({UNSIGNED_SPEC}): {self.unsigned}"
            )
        if self.sources_not_pinned:
            names = ", ".join(sorted(self.sources_not_pinned))
            lines.append(f"sources whose signatures were not checked (no key given): {names}")
        if self.consistent_with is not None:
            lines.append(f"consistent with the kept checkpoint of size {self.consistent_with}")
        if self.withheld:
            shown = ", ".join(map(str, self.withheld[:20]))
            more = "" if len(self.withheld) <= 20 else f" and {len(self.withheld) - 20} more"
            lines.append(
                f"entries whose bytes are withheld under law (hash still checked): {shown}{more}"
            )
        lines.append("OK")
        return "\n".join(lines)


def b64(text: Any, length: int | None = None) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not a string")
    raw = base64.b64decode(text, validate=True)
    if length is not None and len(raw) != length:
        raise ValueError(f"{len(raw)} bytes, not {length}")
    return raw


class Rotation(NamedTuple):
    """A statement, signed by both keys, that the log's key changed at a checkpoint."""

    old: Verifier
    new: Verifier
    size: int
    root: bytes | None
    """The root the old key signed last; None in a statement from before roots were named."""


def parse_rotation(statement: str) -> Rotation:
    """The rotation a statement states, once both its keys' signatures verify; NoteError if
    not. Its body is the header, the origin, ``old KEY``, ``new KEY``, the last size the
    old key signed and (from the statements that name it) the root of that checkpoint."""
    lines = statement.split("\n")
    if len(lines) < 5 or lines[0] != ROTATION_HEADER:
        raise NoteError("not a key rotation statement")
    if not lines[2].startswith("old ") or not lines[3].startswith("new "):
        raise NoteError("a rotation names the old key, then the new one")
    if not lines[4].isdigit() or not lines[4].isascii() or len(lines[4]) > 19:
        raise NoteError("a rotation names the last size the old key signed")
    old, new = Verifier.parse(lines[2][4:]), Verifier.parse(lines[3][4:])
    if not lines[1] == old.name == new.name:
        raise NoteError("a rotation's keys carry the name of the log it names")
    if old == new:
        raise NoteError("a rotation retires a key for itself")
    root = None
    if len(lines) > 5 and lines[5]:
        try:
            root = b64(lines[5], 32)
        except (ValueError, binascii.Error) as exc:
            raise NoteError(f"a rotation's root: {exc}") from exc
    old.verify(statement)
    new.verify(statement)
    return Rotation(old, new, int(lines[4]), root)


def rotation_statements(answer: object) -> list[str]:
    """The statements of an answer of ``GET /v1/log/keys`` (each still to be checked by
    both its keys); ValueError if it holds no list of rotations, each with its statement."""
    found = answer.get("rotations") if isinstance(answer, dict) else None
    if not isinstance(found, list) or not all(
        isinstance(r, dict) and isinstance(r.get("statement"), str) for r in found
    ):
        raise ValueError("no list of rotations, each with its statement")
    return [r["statement"] for r in found]


class LogKey(NamedTuple):
    """A key of the log, with the largest size it may sign and the root it signed at that
    size (both None for the key in force)."""

    verifier: Verifier
    limit: int | None = None
    root: bytes | None = None


Chain = list[LogKey]
"""The log's key in force first, then every key it retired."""


def key_chain(statements: Sequence[str], trusted: Verifier) -> Chain:
    """Follow rotation statements from a trusted key to every key of the log.

    A statement counts only if both the old and the new key signed it, so trust
    passes forward (old to new) and back (new to old). A retired key is good
    only for checkpoints up to the size at which it was retired, and at that
    size only for the root the statement names. The statements must make one
    line of keys, each retired no earlier than the one before it: a key retired
    twice, brought in twice, or retired at a smaller size than its predecessor
    is a statement that a leaked key made, and fails the check.
    """
    parsed: list[Rotation] = []
    for statement in statements:
        try:
            parsed.append(parse_rotation(statement))
        except NoteError as exc:
            raise VerificationFailedError("key", f"a key rotation statement: {exc}") from exc
    by_old = {r.old: r for r in parsed}
    by_new = {r.new: r for r in parsed}
    if len(by_old) != len(parsed) or len(by_new) != len(parsed):
        raise VerificationFailedError(
            "key", "rotation statements retire one key twice, or bring one key in twice"
        )
    first, seen = trusted, {trusted}
    while first in by_new:
        first = by_new[first].old
        if first in seen:
            raise VerificationFailedError("key", "rotation statements go round in a circle")
        seen.add(first)
    retired: Chain = []
    key = first
    while key in by_old:
        rotation = by_old[key]
        if retired and (retired[-1].limit or 0) > rotation.size:
            raise VerificationFailedError(
                "key",
                f"a key retired at size {rotation.size}, after one retired at size "
                f"{retired[-1].limit}",
            )
        retired.append(LogKey(key, rotation.size, rotation.root))
        key = rotation.new
    return [LogKey(key), *reversed(retired)]


def followed(trusted: Sequence[Verifier], statements: Sequence[str]) -> Chain:
    """Every key of the log, followed from each trusted key (a policy may name several); a
    key retired in any line of keys is retired, at its smallest reach."""
    keys: dict[Verifier, LogKey] = {}
    for start in trusted:
        for key in key_chain(statements, start):
            known = keys.get(key.verifier)
            if known is None or _reach(key) < _reach(known):
                keys[key.verifier] = key
    return list(keys.values())


def log_keys(policy: Policy, rotations: Sequence[str]) -> Chain:
    """The log's keys for a check, online or offline: the policy's, and those the log's
    rotation statements (``GET /v1/log/keys``, served or kept by the reader) lead to from
    each of them, each retired key within its reach. So a checkpoint signed before a
    rotation checks under a policy that names the new key, and one signed after it under a
    policy that names the old, whichever of the policy's keys that is."""
    return followed([log.key for log in policy.logs], rotations)


def _reach(key: LogKey) -> float:
    return math.inf if key.limit is None else key.limit


def within_reach(chain: Chain, signer: Verifier, checkpoint: Checkpoint, what: str) -> None:
    """Raise unless ``signer``, a key of ``chain``, may vouch for ``checkpoint``: a retired
    key for no larger tree than the one it signed last, nor for another of that size."""
    for key in chain:
        if key.verifier != signer or key.limit is None:
            continue
        if checkpoint.size > key.limit:
            raise VerificationFailedError(
                "key",
                f"{what} (size {checkpoint.size}) is signed by a key retired at size {key.limit}",
            )
        if checkpoint.size == key.limit and key.root not in (None, checkpoint.root):
            raise VerificationFailedError(
                "key",
                f"{what} (size {checkpoint.size}) is signed by a key retired at that size, "
                "with another root than its rotation statement names",
            )


def rotation_roots(chain: Chain) -> dict[int, bytes]:
    """The roots that rotation statements name, by size: the log's tree had them."""
    roots: dict[int, bytes] = {}
    for _key, limit, root in chain:
        if limit is None or root is None:
            continue
        if roots.setdefault(limit, root) != root:
            raise VerificationFailedError(
                "key", f"two rotation statements name other roots at size {limit}"
            )
    return roots


def _open(note: str, verifier: Verifier, what: str) -> Checkpoint:
    try:
        return open_checkpoint(note, verifier)
    except NoteError as exc:
        raise VerificationFailedError("signature", f"{what}: {exc}") from exc


def open_any(note: str, chain: Chain, what: str) -> tuple[Checkpoint, Verifier]:
    """Open a checkpoint with whichever key of the chain signed it, within its sizes; the
    checkpoint, and that key."""
    for key in chain[1:]:
        try:
            checkpoint = open_checkpoint(note, key.verifier)
        except NoteError:
            continue
        within_reach(chain, key.verifier, checkpoint, what)
        return checkpoint, key.verifier
    return _open(note, chain[0].verifier, what), chain[0].verifier


def entry_hash(index: int, item: dict[str, Any], withheld: list[int]) -> bytes:
    try:
        if item.get("withheld"):
            withheld.append(index)
            return b64(item.get("leaf_hash"), 32)
        leaf = b64(item.get("leaf"))
    except (ValueError, binascii.Error) as exc:
        raise VerificationFailedError("entries", f"malformed entry: {exc}", index) from exc
    computed = merkle.leaf_hash(leaf)
    stated = item.get("leaf_hash")
    if stated is not None and stated != base64.b64encode(computed).decode():
        raise VerificationFailedError(
            "leaf", "the leaf bytes do not hash to the leaf hash the log keeps in its tree", index
        )
    try:
        canonical = canonical_bytes(json.loads(leaf)) == leaf
    except ValueError:
        canonical = False
    if not canonical:
        raise VerificationFailedError("leaf", "the leaf is not RFC 8785 canonical JSON", index)
    return computed


@dataclass
class Sequences:
    """Each source's seqs, taken entry by entry in log order: each must be the next, or a
    later one whose lacking seqs the log moved past in public (``passed``) or withheld
    entries may hold. A withheld entry holds one seq, of the ledger's own source (``own``)
    or of another, so each kind may lack as many seqs as there are withheld entries. The
    one rule of ``Attestation.check_sequences`` and of the notifier, which keeps it between
    batches."""

    own: set[str] = field(default_factory=set)
    last: dict[str, int] = field(default_factory=dict)
    passed: set[tuple[str, int]] = field(default_factory=set)
    withheld: int = 0
    lacking: dict[str, int] = field(default_factory=dict)
    """Per source, the seqs it lacks so far that withheld entries may hold."""

    def take(self, source: str, seq: int) -> str | None:
        """Take ``seq`` of ``source`` as the next it logged; or, taking nothing, say why not."""
        last = self.last.get(source, 0)
        if seq == last + 1:
            self.last[source] = seq
            return None
        if seq <= last:
            return f"{source}'s seqs are logged out of order or twice: seq {seq} after seq {last}"
        passed = sum(1 for s, n in self.passed if s == source and last < n < seq)
        lacking = seq - last - 1 - passed
        if lacking and self._lacking(source in self.own) + lacking > self.withheld:
            first = next(n for n in range(last + 1, seq) if (source, n) not in self.passed)
            return (
                f"seq {first} of {source} is not in the log, though later ones are, and no "
                "public notice says the log moved past it"
            )
        self.lacking[source] = self.lacking.get(source, 0) + lacking
        self.last[source] = seq
        return None

    def _lacking(self, own: bool) -> int:
        """The seqs lacking so far of the ledger's own source, or of the others."""
        return sum(n for source, n in self.lacking.items() if (source in self.own) == own)


class Attestation:
    """Each entry's source signature, under the pinned keys and the rotations the log holds.

    A withholding notice or a notice that the log moved past a source's seq is
    the ledger's own word: it must be signed by the log key, under the name of
    the ledger's source, whatever source it names. Entries are read as they
    were appended, so a rule on their text made later fails no honest log.

    An unsigned entry (``periplus.event/1``) is taken only below ``unsigned_before``,
    the size of the log when its sources began to sign: past it, anyone who holds
    the log key could write one that no source ever sent. Withholding notices are
    collected from the entries checked here, never from what a server says of them.
    """

    def __init__(
        self, sources: SourceKeys, chain: Chain, report: Report, unsigned_before: int = 0
    ) -> None:
        self.sources, self.chain, self.report = sources, chain, report
        self.unsigned_before = unsigned_before
        self.ledger = SourceKeys()
        self.notices: dict[int, str] = {}  # withheld index: the leaf hash a notice names
        self.seqs: dict[str, list[int]] = {}  # each checked source's seqs, in log order
        self.passed: set[tuple[str, int]] = set()  # the seqs the log moved past, in public
        self.own: set[str] = set()  # the ledger's own source, as its notices name it
        self.stating: set[str] = set()  # the sources of other events: never the ledger's

    def check(self, index: int, leaf: bytes) -> None:
        try:
            envelope = parse_envelope(leaf, logged=True)
        except EventRejectedError as exc:
            raise VerificationFailedError("entry", f"not an event: {exc}", index) from exc
        self._speaker(index, envelope.source, envelope.type in LEDGER_NOTICES)
        if envelope.sig is None:
            if index >= self.unsigned_before:
                raise VerificationFailedError(
                    "source signature",
                    f"an unsigned entry ({UNSIGNED_SPEC}) where every entry must be signed "
                    f"(from index {self.unsigned_before}; give the log's size when its "
                    "sources began to sign as --unsigned-before)",
                    index,
                )
            self.report.unsigned += 1
            self._notice(envelope.type, envelope.data)
            if envelope.source in self.sources:  # a source whose seqs are checked
                self.seqs.setdefault(envelope.source, []).append(envelope.seq)
            return
        keys = self.sources
        if envelope.type in LEDGER_NOTICES:
            keys = self.ledger
            self.own.add(envelope.source)
            if envelope.source not in keys:
                for key in self.chain:
                    keys.trust(envelope.source, Verifier(envelope.source, key.verifier.public_key))
        elif envelope.source not in keys:
            self.report.sources_not_pinned.add(envelope.source)
            return
        try:
            if envelope.type == ROTATION:
                keys.follow(envelope)
            else:
                keys.check(envelope)
        except EventRejectedError as exc:
            raise VerificationFailedError("source signature", str(exc), index) from exc
        self.report.signatures_checked += 1
        self._notice(envelope.type, envelope.data)
        self.seqs.setdefault(envelope.source, []).append(envelope.seq)

    def _speaker(self, index: int, source: str, notice: bool) -> None:
        """The ledger speaks under one name of its own, which no other source uses: the log
        key that signs its notices must never speak for a city, whose seqs it could fill
        with notices in place of the events it dropped."""
        if not notice:
            if source in self.own:
                raise VerificationFailedError(
                    "source", f"an event under the ledger's own name {source}", index
                )
            self.stating.add(source)
            return
        if source in self.sources or source in self.stating:
            raise VerificationFailedError(
                "source",
                f"a ledger notice, signed by the log key, under the name of the source {source}",
                index,
            )
        if self.own and source not in self.own:
            raise VerificationFailedError(
                "source",
                f"ledger notices under two names: {', '.join(sorted(self.own))} and {source}",
                index,
            )

    def _notice(self, kind: str, data: dict[str, Any]) -> None:
        if kind == NOTICE and isinstance(data.get("index"), int):
            self.notices[data["index"]] = str(data.get("leaf_hash"))
        if kind == SEQ_RESOLVED and isinstance(data.get("seq"), int):
            self.passed.add((str(data.get("source")), data["seq"]))

    def check_sequences(self) -> None:
        """Each checked source's seqs in the log run from 1 without a repeat, and a seq the
        log lacks is one it moved past in public or one a withheld entry may hold: a log
        that dropped an event its source signed (and logged the next) is caught here, even
        where every checkpoint it signed agrees with its entries.

        A withheld entry holds one seq of the ledger's own source (a notice that the log
        moved past a seq, whose word on that seq is withheld with it) or one of another
        source, so each kind may lack as many seqs as there are withheld entries."""
        order = Sequences(self.own, passed=self.passed, withheld=len(self.report.withheld))
        for source, seqs in sorted(self.seqs.items()):
            for seq in seqs:
                why = order.take(source, seq)
                if why is not None:
                    raise VerificationFailedError("sequence", why)

    def check_withheld(self, hashes: Sequence[bytes]) -> None:
        """Every withheld entry must be named, with its leaf hash, by a notice among the
        entries checked; call it once the entries are known to hash to the signed root."""
        for index in self.report.withheld:
            if self.notices.get(index) != hashes[index].hex():
                raise VerificationFailedError(
                    "withheld",
                    "the bytes are withheld with no public notice in the log that names "
                    "this entry and its leaf hash",
                    index,
                )
