"""An auditor's check of a Periplus ledger, over its public HTTP interface only.

It trusts nothing the server says without a check: the checkpoint's signature
against the verifier key (from a trust policy, given, or the published one),
the witness quorum of the policy, the root against a recomputation from every
entry's bytes, every signed checkpoint of the history against the same
recomputation, each entry's source signature under pinned source keys, the
consistency of the log with a checkpoint kept from an earlier visit, and a
sample (or all) of the inclusion proofs. The command line is ``periplus.audit``.
"""

import base64
import binascii
import json
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx

from periplus import merkle
from periplus.canonical import canonical_bytes
from periplus.events import UNSIGNED_SPEC, EventRejectedError, parse_envelope
from periplus.note import Checkpoint, NoteError, Verifier, open_checkpoint
from periplus.policy import Policy
from periplus.sources import ROTATION, SourceKeys

PAGE = 1000
ROTATION_HEADER = "periplus.key-rotation/1"
NOTICE = "entry.withheld"
LOCATED = (
    "the shortest prefix of the entries that the log's consistency proofs cannot join "
    "to the signed root ends at this index (the first changed entry, unless the tree's "
    "stored hashes were changed too, when it may be its neighbour)"
)


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


class _Log:
    """The ledger's public endpoints; any transport or format problem is a failed check."""

    def __init__(self, url: str, client: httpx.Client) -> None:
        self.url, self.client = url.rstrip("/"), client

    def _get(self, path: str, params: dict[str, int | str] | None = None) -> httpx.Response:
        try:
            response = self.client.get(f"{self.url}{path}", params=params)
        except httpx.HTTPError as exc:
            raise VerificationFailedError("fetch", f"{path}: {exc!r}") from exc
        if response.status_code != 200:
            raise VerificationFailedError(
                "fetch", f"{path} answered {response.status_code}: {response.text[:200]}"
            )
        return response

    def text(self, path: str) -> str:
        return self._get(path).text

    def json(self, path: str, **params: int | str) -> dict[str, Any]:
        try:
            value = self._get(path, params).json()
        except ValueError as exc:
            raise VerificationFailedError("fetch", f"{path} did not answer JSON") from exc
        if not isinstance(value, dict):
            raise VerificationFailedError("fetch", f"{path} did not answer a JSON object")
        return value

    def hashes(self, path: str, **params: int) -> list[bytes]:
        body = self.json(path, **params)
        try:
            return [_b64(h, 32) for h in body["hashes"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise VerificationFailedError("proof", f"{path} gave a malformed proof") from exc


def _b64(text: Any, length: int | None = None) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not a string")
    raw = base64.b64decode(text, validate=True)
    if length is not None and len(raw) != length:
        raise ValueError(f"{len(raw)} bytes, not {length}")
    return raw


def _rotation(statement: str) -> tuple[str, Verifier, Verifier, int]:
    lines = statement.split("\n")
    if len(lines) < 5 or lines[0] != ROTATION_HEADER:
        raise NoteError("not a key rotation statement")
    if not lines[2].startswith("old ") or not lines[3].startswith("new "):
        raise NoteError("a rotation names the old key, then the new one")
    if not lines[4].isdigit():
        raise NoteError("a rotation names the last size the old key signed")
    return lines[1], Verifier.parse(lines[2][4:]), Verifier.parse(lines[3][4:]), int(lines[4])


Chain = list[tuple[Verifier, int | None]]
"""Each key of the log with the largest size it may sign (None: the current key)."""


def key_chain(statements: Sequence[str], trusted: Verifier) -> Chain:
    """Follow rotation statements from a trusted key to every key of the log.

    A statement counts only if both the old and the new key signed it, so trust
    passes forward (old to new) and back (new to old). A retired key is good
    only for checkpoints up to the size at which it was retired.
    """
    parsed: list[tuple[Verifier, Verifier, int]] = []
    for statement in statements:
        try:
            _origin, old, new, size = _rotation(statement)
            old.verify(statement)
            new.verify(statement)
        except NoteError as exc:
            raise VerificationFailedError("key", f"a key rotation statement: {exc}") from exc
        parsed.append((old, new, size))
    retired: dict[Verifier, int] = {}
    newest = trusted
    for old, new, size in parsed:
        if old == newest:
            retired[old], newest = size, new
    oldest = trusted
    for old, new, size in reversed(parsed):
        if new == oldest:
            retired[old], oldest = size, old
    return [(newest, None), *((k, v) for k, v in retired.items() if k != newest)]


def _open(note: str, verifier: Verifier, what: str) -> Checkpoint:
    try:
        return open_checkpoint(note, verifier)
    except NoteError as exc:
        raise VerificationFailedError("signature", f"{what}: {exc}") from exc


def _open_any(note: str, chain: Chain, what: str) -> Checkpoint:
    """Open a checkpoint with whichever key of the chain signed it, within its sizes."""
    for verifier, limit in chain[1:]:
        try:
            checkpoint = open_checkpoint(note, verifier)
        except NoteError:
            continue
        if limit is not None and checkpoint.size > limit:
            raise VerificationFailedError(
                "key",
                f"{what} (size {checkpoint.size}) is signed by a key retired at size {limit}",
            )
        return checkpoint
    return _open(note, chain[0][0], what)


def _entries(log: _Log, size: int) -> Iterator[tuple[int, dict[str, Any]]]:
    """Every entry up to ``size``, in order; the next page is fetched while one is checked."""

    def fetch(start: int) -> list[Any]:
        page = log.json("/v1/log/entries", start=start, end=min(size, start + PAGE))
        found = page.get("entries")
        if not isinstance(found, list) or not found:
            raise VerificationFailedError(
                "entries",
                f"the checkpoint commits to {size} entries but the log serves none from here",
                start,
            )
        return found

    index = 0
    with ThreadPoolExecutor(1, thread_name_prefix="prefetch") as pool:
        coming = pool.submit(fetch, 0) if size else None
        while coming is not None:
            page, asked = coming.result(), index
            ahead = asked + PAGE
            coming = pool.submit(fetch, ahead) if ahead < size else None
            for item in page[: size - asked]:
                if not isinstance(item, dict) or item.get("index") != index:
                    raise VerificationFailedError(
                        "entries", "entries are out of order or missing", index
                    )
                yield index, item
                index += 1
            if index < size and index != ahead:  # a short page: ask again from here
                if coming is not None:
                    coming.cancel()
                coming = pool.submit(fetch, index)


def entry_hash(index: int, item: dict[str, Any], withheld: list[int]) -> bytes:
    try:
        if item.get("withheld"):
            withheld.append(index)
            return _b64(item.get("leaf_hash"), 32)
        leaf = _b64(item.get("leaf"))
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


def _check_notices(log: _Log, withheld: Sequence[int], hashes: Sequence[bytes], size: int) -> None:
    """Every withheld entry must be named, with its leaf hash, by a later public notice."""
    if not withheld:
        return
    notices: dict[int, str] = {}
    after = -1
    while True:
        found = log.json("/v1/audit/entries", type=NOTICE, after=after, limit=PAGE)
        page = found.get("entries") or []
        for item in page:
            event = item.get("event") or {}
            data = event.get("data") or {}
            if isinstance(data.get("index"), int) and item.get("index", -1) < size:
                notices[data["index"]] = str(data.get("leaf_hash"))
        if found.get("next_after") is None:
            break
        after = found["next_after"]
    for index in withheld:
        if notices.get(index) != hashes[index].hex():
            raise VerificationFailedError(
                "withheld",
                "the bytes are withheld with no public notice in the log that names "
                "this entry and its leaf hash",
                index,
            )


def _prefix_root(hashes: Sequence[bytes], size: int) -> bytes:
    compact = merkle.CompactRange()
    for h in hashes[:size]:
        compact.append(h)
    return compact.root()


def _first_divergence(log: _Log, hashes: Sequence[bytes], signed: Checkpoint) -> int:
    """The last index of the shortest prefix that does not join the signed root.

    A prefix of the entries is right exactly when an honest consistency proof
    joins its root to the signed root, so bisection finds the first changed
    entry; a proof made from changed stored hashes can move it by a subtree.
    """
    lo, hi = 0, signed.size  # prefix lo is right; prefix hi is wrong
    while hi - lo > 1:
        mid = (lo + hi) // 2
        proof = log.hashes("/v1/log/proof/consistency", first=mid, second=signed.size)
        if merkle.verify_consistency(
            mid, signed.size, _prefix_root(hashes, mid), signed.root, proof
        ):
            lo = mid
        else:
            hi = mid
    return hi - 1


class Attestation:
    """Each entry's source signature, under the pinned keys and the rotations the log holds.

    A withholding notice is the ledger's own word: it must be signed by the log
    key, under the name of the ledger's source, whatever source it names.
    """

    def __init__(self, sources: SourceKeys, chain: Chain, report: Report) -> None:
        self.sources, self.chain, self.report = sources, chain, report
        self.ledger = SourceKeys()

    def check(self, index: int, leaf: bytes) -> None:
        try:
            envelope = parse_envelope(leaf)
        except EventRejectedError as exc:
            raise VerificationFailedError("entry", f"not an event: {exc}", index) from exc
        if envelope.sig is None:
            self.report.unsigned += 1
            return
        keys = self.sources
        if envelope.type == NOTICE:
            keys = self.ledger
            if envelope.source not in keys:
                for verifier, _limit in self.chain:
                    keys.trust(envelope.source, Verifier(envelope.source, verifier.public_key))
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


def _sample(size: int, proofs: int) -> list[int]:
    if size == 0 or proofs == 0:
        return []
    if proofs < 0 or proofs >= size:
        return list(range(size))
    step = max(1, size // proofs)
    return sorted({*range(0, size, step), size - 1})


def _history(log: _Log, chain: Chain, size: int) -> dict[int, bytes]:
    """Every signed checkpoint up to ``size`` that the log lists, each signature checked."""
    roots: dict[int, bytes] = {}
    after = -1
    while True:
        page = log.json("/v1/log/checkpoints", after=after, limit=PAGE).get("checkpoints")
        if not isinstance(page, list) or not page:
            return roots
        for item in page:
            note = item.get("note") if isinstance(item, dict) else None
            if not isinstance(note, str):
                raise VerificationFailedError("history", "a listed checkpoint has no note")
            checkpoint = _open_any(note, chain, "a checkpoint of the history")
            after = max(after, checkpoint.size)
            if checkpoint.size <= size:
                roots[checkpoint.size] = checkpoint.root
        if len(page) < PAGE:
            return roots


def verify_log(
    url: str,
    *,
    key: str | None = None,
    previous: str | None = None,
    proofs: int = 32,
    policy: Policy | None = None,
    sources: SourceKeys | None = None,
    client: httpx.Client | None = None,
) -> Report:
    """Check the log at ``url``; raise VerificationFailedError naming the first failure.

    ``policy`` is a C2SP tlog-policy the auditor trusts: its log key is the
    trusted key and the checkpoint must meet its witness quorum. Else ``key``
    is a verifier key string the auditor trusts; without either, the log's
    published key is used (and reported as such). ``sources`` holds the
    source keys under which every entry's signature is checked. ``previous``
    is a signed checkpoint kept from before. ``proofs`` inclusion proofs are
    checked (spread over the log, with the first and the last); -1: all.
    """
    own = client is None
    http = client or httpx.Client(timeout=30.0)
    try:
        log = _Log(url, http)
        published = log.text("/v1/log/key").strip()
        try:
            if key is None and policy is not None and policy.logs:
                trusted, source = policy.logs[0].key, "from the trust policy"
            else:
                trusted = Verifier.parse(key or published)
                source = "given" if key else "published by the log"
        except NoteError as exc:
            raise VerificationFailedError("key", str(exc)) from exc
        rotations = log.json("/v1/log/keys").get("rotations") or []
        chain = key_chain([str(r.get("statement")) for r in rotations], trusted)
        verifier = chain[0][0]
        note = log.text("/v1/log/checkpoint")
        signed = _open_any(note, chain, "the current checkpoint")
        report = Report(
            url=url,
            origin=signed.origin,
            size=signed.size,
            root=signed.root,
            checkpoint=note,
            key=str(verifier),
            key_source=source
            + (f", followed through {len(rotations)} rotation(s)" if rotations else ""),
        )
        if policy is not None:
            try:
                report.cosigned_by = sorted(policy.verify_checkpoint(note).cosigned)
            except NoteError as exc:
                raise VerificationFailedError("witnesses", str(exc)) from exc
        attest = Attestation(sources or SourceKeys(), chain, report)
        unattested: VerificationFailedError | None = None
        kept: Checkpoint | None = None
        if previous is not None:
            kept = _open_any(previous, chain, "the kept checkpoint")
            if kept.origin != signed.origin:
                raise VerificationFailedError(
                    "consistency", f"the kept checkpoint is of {kept.origin!r}"
                )
            if kept.size > signed.size:
                raise VerificationFailedError(
                    "consistency",
                    f"the log shrank: the kept checkpoint commits to {kept.size} entries, "
                    f"the current one to {signed.size}; entries from this index were removed",
                    signed.size,
                )
        history = _history(log, chain, signed.size)
        if kept is not None:
            history.setdefault(kept.size, kept.root)
        hashes: list[bytes] = []
        compact = merkle.CompactRange()
        if 0 in history:
            if history[0] != merkle.EMPTY_ROOT:
                raise VerificationFailedError("history", "a signed empty log with a wrong root")
            report.history_checked += 1
        for index, item in _entries(log, signed.size):
            digest = entry_hash(index, item, report.withheld)
            if not item.get("withheld") and unattested is None:
                # Reported after the tree's checks, which locate a rewrite more precisely.
                try:
                    attest.check(index, _b64(item.get("leaf")))
                except VerificationFailedError as exc:
                    unattested = exc
            hashes.append(digest)
            compact.append(digest)
            wanted = history.get(compact.size)
            if wanted is not None and compact.root() != wanted:
                first = _first_divergence(log, hashes, signed)
                raise VerificationFailedError(
                    "history",
                    f"the entries do not match the signed checkpoint of size {compact.size}; "
                    + LOCATED,
                    first,
                )
            if wanted is not None:
                report.history_checked += 1
        report.entries = compact.size
        _check_notices(log, report.withheld, hashes, signed.size)
        if compact.root() != signed.root:
            first = _first_divergence(log, hashes, signed)
            raise VerificationFailedError(
                "root",
                "the entries do not hash to the signed root; " + LOCATED,
                first,
            )
        if unattested is not None:
            raise unattested
        if kept is not None:
            proof = log.hashes("/v1/log/proof/consistency", first=kept.size, second=signed.size)
            if not merkle.verify_consistency(kept.size, signed.size, kept.root, signed.root, proof):
                raise VerificationFailedError(
                    "consistency",
                    f"the log's consistency proof from size {kept.size} to {signed.size} "
                    "does not join the two signed roots: the log was rewritten",
                )
            report.consistent_with = kept.size
        for index in _sample(signed.size, proofs):
            proof = log.hashes("/v1/log/proof/inclusion", index=index, tree_size=signed.size)
            if not merkle.verify_inclusion(hashes[index], index, signed.size, proof, signed.root):
                raise VerificationFailedError(
                    "inclusion",
                    f"the log's inclusion proof in size {signed.size} does not verify",
                    index,
                )
            report.proofs_checked += 1
        return report
    finally:
        if own:
            http.close()
