"""The keys a trip page's *verify* button checks with, as the deployment pins them.

The page carries them in a JSON block and shows each with a fingerprint, so a
reader can compare them with what the witnesses and the city publish; the
browser never asks the ledger, the server it is checking, for a key.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from notifier.trust import Trust


def fingerprint(vkey: str) -> str:
    """SHA-256 of the key as written, in groups of four hex digits, easy to read aloud."""
    digest = hashlib.sha256(vkey.encode()).hexdigest()
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


@dataclass(frozen=True)
class ShownKey:
    label: str
    """The policy's name for a witness, else the key's own name."""
    name: str
    key_id: str
    fingerprint: str
    vkey: str
    ledger: bool = False
    """A key of the ledger's own source: its log key, which signs its notices (withholdings,
    seqs it moved past)."""
    line: str = ""
    """A source key as a verifier takes it, with the seqs it may sign (``<vkey> 1-41``): a
    key pasted without them is trusted for every seq, past a rotation that retired it."""


def _shown(label: str, vkey: str, ledger: bool = False, line: str = "") -> ShownKey:
    name, key_id, _ = vkey.split("+", 2)
    return ShownKey(label, name, key_id, fingerprint(vkey), vkey, ledger, line)


def key_line(span: dict[str, Any]) -> str:
    """``<vkey> <first>-[<last>]``, the line the verifiers read for a key and its seqs."""
    last = span["last"]
    return f"{span['key']} {span['first']}-{'' if last is None else last}"


@dataclass(frozen=True)
class PageKeys:
    """What the page shows of the keys, and the JSON its script verifies with."""

    policy: str
    quorum: str
    logs: list[ShownKey]
    witnesses: list[ShownKey]
    sources: list[ShownKey]
    data: dict[str, Any]


def page_keys(trust: Trust, rotations: Sequence[str] = ()) -> PageKeys:
    """``rotations``: the log's key rotation statements the notifier followed, which the
    page's script checks (both keys' signatures) and follows from the policy's keys."""
    policy = trust.policy
    logs = [str(key) for key in trust.log_keys]
    witnesses = {w.name: str(w.key) for w in policy.witnesses.values()}
    sources = trust.source_spans()
    data = {
        "policy": str(policy),
        "logs": logs,
        "witnesses": witnesses,
        "quorum": policy.quorum,
        "sources": sources,
        "ledger_source": trust.ledger_source,
        "rotations": list(rotations),
    }
    return PageKeys(
        policy=str(policy),
        quorum=policy.quorum,
        logs=[_shown(key.split("+", 1)[0], key) for key in logs],
        witnesses=[_shown(name, key) for name, key in witnesses.items()],
        sources=[
            _shown(name, span["key"], name == trust.ledger_source, key_line(span))
            for name, spans in sources.items()
            for span in spans
        ],
        data=data,
    )
