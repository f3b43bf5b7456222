"""What the notifier reads from the ledger over HTTP, all of it to be checked.

The checkpoint counts once the trust policy accepts its signatures; the
entries and proofs once they hash to the root it signs. Nothing here is
believed, so a ledger that answers garbage only delays what is shown.
"""

import base64
import binascii
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from periplus.checks import rotation_statements
from periplus.merkle import leaf_hash
from periplus.note import Checkpoint, NoteError, split_note
from periplus.tiles import WIDTH, BundleError, tile_path, unbundle


class LedgerError(Exception):
    """The ledger could not be read, or answered something that is not what was asked."""


class UnwitnessedError(LedgerError):
    """The ledger answers and has signed a checkpoint, but none has met its witnesses'
    quorum yet: a ledger starting, or one whose witnesses are slow, not one that is down."""


@dataclass(frozen=True)
class Leaf:
    """One entry as the ledger serves it; ``leaf`` is None when withheld under law, and
    ``notice`` then the index of the ledger's public notice that it says names it."""

    index: int
    hash: bytes
    leaf: bytes | None
    notice: int | None = None


class LedgerReader:
    def __init__(self, base_url: str, http: httpx.Client) -> None:
        self.base_url, self.http = base_url.rstrip("/"), http

    def checkpoint(self) -> str:
        """The latest signed checkpoint, cosignatures included, as the ledger serves it.

        The ledger answers 503 both while it is unwell and while no checkpoint has met
        its witnesses' quorum yet; the newest signed checkpoint, served whether witnessed
        or not, tells the second (UnwitnessedError) from the first (LedgerError).
        """
        try:
            return self._get("checkpoint").text
        except LedgerError as exc:
            if _status(exc) != 503 or (size := self._latest_size()) is None:
                raise
            raise UnwitnessedError(
                f"the ledger has signed a checkpoint of size {size}, "
                "but none has met its witnesses' quorum yet"
            ) from exc

    def rotations(self) -> list[str]:
        """The log's key rotation statements, each to be checked by both its keys; none
        from a log that serves no list of them (hiding one is no more than serving none)."""
        try:
            answer = self._json("keys")
        except LedgerError as exc:
            if _status(exc) == 404:
                return []
            raise
        try:
            return rotation_statements(answer)
        except ValueError as exc:
            raise LedgerError(f"/v1/log/keys answered {exc}") from exc

    def entries(self, start: int, end: int) -> list[Leaf]:
        """The entries ``[start, end)``, read from the log's entry bundles (tlog-tiles).

        A bundle is each entry's bytes as the log holds them, behind its length:
        reading one costs about a fifth of the CPU of the same entries in JSON
        (base64 in it, and each event again besides). A withheld entry, empty in its
        bundle, is read from the JSON entries, which give its hash and its notice.
        The ledger serves a bundle only once a checkpoint it signed covers it.
        """
        found: list[Leaf] = []
        for tile in range(start // WIDTH, -(-end // WIDTH)):
            first = tile * WIDTH
            entries = self._bundle(tile, min(WIDTH, end - first))
            for index in range(max(start, first), min(end, first + WIDTH)):
                leaf = entries[index - first]
                found.append(Leaf(index, leaf_hash(leaf), leaf) if leaf else self.one(index))
        return found

    def one(self, index: int) -> Leaf:
        """Entry ``index`` from the JSON entries, which name a withheld entry's hash and
        notice."""
        page = self._json("entries", start=index, end=index + 1).get("entries")
        if not isinstance(page, list) or not page:
            raise LedgerError(f"the ledger serves no entry {index}")
        return _leaf(page[0], index)

    def inclusion(self, index: int, size: int) -> list[bytes]:
        """The RFC 9162 inclusion proof of entry ``index`` in the tree of ``size``."""
        hashes = self._json("proof/inclusion", index=index, tree_size=size).get("hashes")
        if not isinstance(hashes, list):
            raise LedgerError("the inclusion proof carries no list of hashes")
        return [_hash(h) for h in hashes]

    def consistency(self, first: int, second: int) -> list[bytes]:
        """The RFC 9162 consistency proof between two tree sizes."""
        hashes = self._json("proof/consistency", first=first, second=second).get("hashes")
        if not isinstance(hashes, list):
            raise LedgerError("the consistency proof carries no list of hashes")
        return [_hash(h) for h in hashes]

    def _latest_size(self) -> int | None:
        """The size of the newest checkpoint the ledger signed, if it serves one (unchecked:
        it only tells a ledger that waits for its witnesses from one that is down)."""
        try:
            note = self._get("checkpoint/latest").text
            return Checkpoint.parse_body(split_note(note)[0]).size
        except (LedgerError, NoteError):
            return None

    def _bundle(self, tile: int, width: int) -> list[bytes]:
        """The ``width`` entries of bundle ``tile``."""
        path = f"tile/entries/{tile_path(tile, width)}"
        try:
            return unbundle(self._read(f"/{path}").content, width)
        except BundleError as exc:
            raise LedgerError(f"/{path}: {exc}") from exc

    def _get(self, path: str, **params: int) -> httpx.Response:
        return self._read(f"/v1/log/{path}", params)

    def _read(self, path: str, params: dict[str, int] | None = None) -> httpx.Response:
        try:
            response = self.http.get(f"{self.base_url}{path}", params=params)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise LedgerError(f"cannot read {path}: {exc}") from exc
        return response

    def _json(self, path: str, **params: int) -> dict[str, Any]:
        try:
            body = orjson.loads(self._get(path, **params).content)
        except ValueError as exc:
            raise LedgerError(f"/v1/log/{path} answered no JSON") from exc
        if not isinstance(body, dict):
            raise LedgerError(f"/v1/log/{path} answered no JSON object")
        return body


def _status(exc: LedgerError) -> int | None:
    """The HTTP status the ledger answered with, if it answered."""
    cause = exc.__cause__
    return cause.response.status_code if isinstance(cause, httpx.HTTPStatusError) else None


def _leaf(raw: Any, expected: int) -> Leaf:
    if not isinstance(raw, dict) or raw.get("index") != expected:
        raise LedgerError(f"the ledger's entries skip or repeat index {expected}")
    try:
        leaf = base64.b64decode(raw.get("leaf") or "", validate=True)
    except (binascii.Error, TypeError) as exc:
        raise LedgerError(f"entry {expected}'s leaf is not base64") from exc
    if leaf:
        return Leaf(expected, leaf_hash(leaf), leaf)
    # Withheld: the bytes are gone, the hash the tree keeps is served instead.
    withheld = raw.get("withheld")
    notice = withheld.get("notice_index") if isinstance(withheld, dict) else None
    if not isinstance(notice, int) or isinstance(notice, bool):
        notice = None
    return Leaf(expected, _hash(raw.get("leaf_hash")), None, notice)


def _hash(text: Any) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, TypeError, ValueError) as exc:
        raise LedgerError("a hash the ledger served is not base64") from exc
    if len(raw) != 32:
        raise LedgerError("a hash the ledger served is not 32 bytes")
    return raw
