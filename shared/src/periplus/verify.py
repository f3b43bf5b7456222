"""An auditor's check of a Periplus ledger, over its public HTTP interface only.

It trusts nothing the server says without a check: the checkpoint's signature
against the log's keys (every key a trust policy names, the key given, or the
published one, each followed through the log's signed rotations as offline:
``checks.log_keys``), the witness quorum of the policy, the root against a
recomputation from every entry's bytes, every signed checkpoint of the history
against the same recomputation, each entry's source signature under pinned
source keys, the consistency of the log with a checkpoint kept from an earlier
visit, and a sample (or all) of the inclusion proofs. The command line is
``periplus.audit``.
"""

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from periplus import merkle
from periplus.checks import (
    Attestation,
    Chain,
    Report,
    VerificationFailedError,
    b64,
    entry_hash,
    key_chain,
    log_keys,
    open_any,
    rotation_roots,
    rotation_statements,
)
from periplus.note import Checkpoint, NoteError, Verifier
from periplus.policy import Policy
from periplus.sources import SourceKeys

PAGE = 1000
LOCATED = (
    "the shortest prefix of the entries that the log's consistency proofs cannot join "
    "to the signed root ends at this index (the first changed entry, unless the tree's "
    "stored hashes were changed too, when it may be its neighbour)"
)


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
            return [b64(h, 32) for h in body["hashes"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise VerificationFailedError("proof", f"{path} gave a malformed proof") from exc


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
            checkpoint, _ = open_any(note, chain, "a checkpoint of the history")
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
    unsigned_before: int = 0,
    client: httpx.Client | None = None,
) -> Report:
    """Check the log at ``url``; raise VerificationFailedError naming the first failure.

    ``policy`` is a C2SP tlog-policy the auditor trusts: every log key it names
    is trusted, with the keys the log's rotation statements lead to from each,
    and the checkpoint must meet its witness quorum. Else ``key`` is a verifier
    key string the auditor trusts; without either, the log's published key is
    used (and reported as such). ``sources`` holds the source keys under which
    every entry's signature is checked; entries from ``unsigned_before`` on must
    all be signed. ``previous`` is a signed checkpoint kept from before.
    ``proofs`` inclusion proofs are checked (spread over the log, with the first
    and the last); -1: all.
    """
    own = client is None
    http = client or httpx.Client(timeout=httpx.Timeout(30.0, connect=5.0))
    try:
        log = _Log(url, http)
        trusted, source = _trusted_keys(log, key, policy)
        try:
            rotations = rotation_statements(log.json("/v1/log/keys"))
        except ValueError as exc:
            raise VerificationFailedError("key", f"/v1/log/keys gave {exc}") from exc
        chain = log_keys(trusted, rotations)
        note = log.text("/v1/log/checkpoint")
        signed, signer = open_any(note, chain, "the current checkpoint")
        # A rotation statement, signed by both keys, says the log reached its size: a current
        # checkpoint smaller than that is a rollback, or a fork signed with a retired key.
        reached = max((key.limit for key in chain if key.limit is not None), default=0)
        if signed.size < reached:
            raise VerificationFailedError(
                "key",
                f"the current checkpoint (size {signed.size}) is smaller than the size "
                f"{reached} at which the log rotated its key",
            )
        report = Report(
            url=url,
            origin=signed.origin,
            size=signed.size,
            root=signed.root,
            checkpoint=note,
            key=str(key_chain(rotations, signer)[0].verifier),  # in force in the signer's line
            key_source=source
            + (f", followed through {len(rotations)} rotation(s)" if rotations else ""),
        )
        if policy is not None:
            try:
                keys = [key.verifier for key in chain]  # followed from the trusted keys
                report.cosigned_by = sorted(policy.verify_checkpoint(note, keys=keys).cosigned)
            except NoteError as exc:
                raise VerificationFailedError("witnesses", str(exc)) from exc
        kept = _kept(previous, chain, signed)
        history = _history(log, chain, signed.size)
        if kept is not None:
            history.setdefault(kept.size, kept.root)
        # Each root a rotation statement names is a size the entries must hash to, too:
        # the old key, once retired, cannot vouch for another tree of that size.
        for size, root in rotation_roots(chain).items():
            if history.setdefault(size, root) != root:
                raise VerificationFailedError(
                    "key",
                    f"a checkpoint of size {size} has another root than the rotation "
                    "statement that retired its key names",
                )
        attest = Attestation(sources or SourceKeys(), chain, report, unsigned_before)
        hashes = _check_entries(log, signed, history, attest, report)
        if kept is not None:
            _check_consistency(log, kept, signed)
            report.consistent_with = kept.size
        report.proofs_checked = _check_inclusions(log, hashes, signed, proofs)
        return report
    finally:
        if own:
            http.close()


def _trusted_keys(log: _Log, key: str | None, policy: Policy | None) -> tuple[Policy, str]:
    """The log keys the auditor trusts, as a policy, and where they came from: every key
    the policy names, the key given, or the one published."""
    published = log.text("/v1/log/key").strip()
    try:
        if key is None and policy is not None and policy.logs:
            return policy, "from the trust policy"
        trusted = Policy.log_only(Verifier.parse(key or published))
        return trusted, "given" if key else "published by the log"
    except NoteError as exc:
        raise VerificationFailedError("key", str(exc)) from exc


def _kept(previous: str | None, chain: Chain, signed: Checkpoint) -> Checkpoint | None:
    """The checkpoint kept from an earlier visit, checked against the current one's size."""
    if previous is None:
        return None
    kept, _ = open_any(previous, chain, "the kept checkpoint")
    if kept.origin != signed.origin:
        raise VerificationFailedError("consistency", f"the kept checkpoint is of {kept.origin!r}")
    if kept.size > signed.size:
        raise VerificationFailedError(
            "consistency",
            f"the log shrank: the kept checkpoint commits to {kept.size} entries, "
            f"the current one to {signed.size}; entries from this index were removed",
            signed.size,
        )
    return kept


def _check_entries(
    log: _Log,
    signed: Checkpoint,
    history: dict[int, bytes],
    attest: Attestation,
    report: Report,
) -> list[bytes]:
    """Every entry's leaf hash, each prefix that a signed checkpoint names checked against
    its root, the whole against the signed root, and every source signature; a failure is
    located at the first entry the log's own proofs show changed."""
    hashes: list[bytes] = []
    compact = merkle.CompactRange()
    unattested: VerificationFailedError | None = None
    if 0 in history:
        if history[0] != merkle.EMPTY_ROOT:
            raise VerificationFailedError("history", "a signed empty log with a wrong root")
        report.history_checked += 1
    for index, item in _entries(log, signed.size):
        digest = entry_hash(index, item, report.withheld)
        if not item.get("withheld") and unattested is None:
            # Reported after the tree's checks, which locate a rewrite more precisely.
            try:
                attest.check(index, b64(item.get("leaf")))
            except VerificationFailedError as exc:
                unattested = exc
        hashes.append(digest)
        compact.append(digest)
        wanted = history.get(compact.size)
        if wanted is None:
            continue
        if compact.root() != wanted:
            raise VerificationFailedError(
                "history",
                f"the entries do not match the signed checkpoint of size {compact.size}; "
                + LOCATED,
                _first_divergence(log, hashes, signed),
            )
        report.history_checked += 1
    report.entries = compact.size
    if compact.root() != signed.root:
        raise VerificationFailedError(
            "root",
            "the entries do not hash to the signed root; " + LOCATED,
            _first_divergence(log, hashes, signed),
        )
    attest.check_withheld(hashes)
    attest.check_sequences()
    if unattested is not None:
        raise unattested
    return hashes


def _check_consistency(log: _Log, kept: Checkpoint, signed: Checkpoint) -> None:
    proof = log.hashes("/v1/log/proof/consistency", first=kept.size, second=signed.size)
    if not merkle.verify_consistency(kept.size, signed.size, kept.root, signed.root, proof):
        raise VerificationFailedError(
            "consistency",
            f"the log's consistency proof from size {kept.size} to {signed.size} "
            "does not join the two signed roots: the log was rewritten",
        )


def _check_inclusions(log: _Log, hashes: Sequence[bytes], signed: Checkpoint, proofs: int) -> int:
    """Inclusion proofs for a sample of the entries (or all); how many were checked."""
    checked = 0
    for index in _sample(signed.size, proofs):
        proof = log.hashes("/v1/log/proof/inclusion", index=index, tree_size=signed.size)
        if not merkle.verify_inclusion(hashes[index], index, signed.size, proof, signed.root):
            raise VerificationFailedError(
                "inclusion",
                f"the log's inclusion proof in size {signed.size} does not verify",
                index,
            )
        checked += 1
    return checked
