"""The standalone verifier's receipt check against `ledger verify --receipt`: receipts of a
real ledger, valid and changed in the ways a file handed to a reader could be, must get the
same verdict from the page's core (in Chromium, from the file on disk) and from
periplus.offline. Leaves the ledger would never log are placed in a tree of their own whose
checkpoint the log key signs: the source keys must still refuse them.
"""

import base64
import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page

from ledger.testing import Ledger
from notifier.publish.routes.verifier import standalone
from notifier.testing import SOURCE_SIGNER
from periplus import sources as source_events
from periplus.canonical import canonical_bytes
from periplus.checks import VerificationFailedError
from periplus.merkle import leaf_hash, node_hash
from periplus.note import Signer
from periplus.offline import check_receipt
from periplus.policy import parse_policy
from periplus.sources import SourceKeys
from tests.notifier_ledger.browser import (
    STRANGER,
    TRIP,
    WITNESS,
    log_line,
    with_a_resolved_seq,
    with_two_trips,
)

pytestmark = pytest.mark.backends("sqlite")

HEADER = "c2sp.org/tlog-proof@v1"

_VERDICT = """async ({policy, sources, receipt}) => {
  const core = globalThis.PeriplusVerify;
  try {
    const keys = await core.trustKeys({policy, sources, rotations: [], ledgerSource: null});
    const bytes = Uint8Array.from(atob(receipt), (c) => c.charCodeAt(0));
    const result = await core.verifyReceipt({keys, bytes});
    return result.unsigned ? "unsigned" : "ok";
  } catch (e) {
    return "refused: " + e.message;
  }
}"""


@pytest.fixture
def ledger(ledger: Ledger) -> Ledger:
    return with_two_trips(ledger)


@pytest.fixture
def core(browser: Browser, tmp_path: Path) -> Iterator[Page]:
    """The standalone verifier as a reader keeps it, opened from disk."""
    path = tmp_path / "periplus-verifier.html"
    path.write_bytes(standalone())
    page = browser.new_page()
    page.goto(path.as_uri())
    yield page
    page.close()


def _path(leaves: list[bytes], index: int) -> list[bytes]:
    """RFC 9162's PATH(index, leaves)."""
    if len(leaves) == 1:
        return []
    split = 1
    while split * 2 < len(leaves):
        split *= 2
    if index < split:
        return [*_path(leaves[:split], index), _root(leaves[split:])]
    return [*_path(leaves[split:], index - split), _root(leaves[:split])]


def _root(leaves: list[bytes]) -> bytes:
    if len(leaves) == 1:
        return leaf_hash(leaves[0])
    split = 1
    while split * 2 < len(leaves):
        split *= 2
    return node_hash(_root(leaves[:split]), _root(leaves[split:]))


def _logged(ledger: Ledger, leaf: bytes, size: int = 5, index: int = 3) -> str:
    """A receipt of ``leaf`` at ``index`` of a tree of ``size`` leaves of its own, signed by
    the log key (a tree of none has the empty root, and the receipt no proof; an index past
    the tree names the last leaf's proof)."""
    leaves = [f"filler {i}".encode() for i in range(size)]
    if size:
        leaves[min(index, size - 1)] = leaf
    root = _root(leaves) if size else hashlib.sha256(b"").digest()
    body = f"{ledger.settings.origin}\n{size}\n{base64.b64encode(root).decode()}\n"
    lines = [HEADER, f"extra {base64.b64encode(leaf).decode()}", f"index {index}"]
    lines += [
        base64.b64encode(h).decode() for h in (_path(leaves, min(index, size - 1)) if size else [])
    ]
    return "\n".join(lines) + "\n\n" + ledger.signer.sign(body)


def _event(ledger: Ledger) -> dict[str, Any]:
    """Entry 2's event, as its source signed it."""
    value: dict[str, Any] = json.loads(_extra(_receipt(ledger)))
    return value


def _signed(fields: dict[str, Any], text: bytes | None = None) -> bytes:
    """``fields`` (or the bytes ``text`` of them) signed by the source, its sig inserted
    before the top-level ``source`` as in an RFC 8785 leaf."""
    unsigned = {k: v for k, v in fields.items() if k != "sig"}
    signed = canonical_bytes(unsigned) if text is None else text
    sig = SOURCE_SIGNER.verifier.key_id + SOURCE_SIGNER.private_key.sign(signed)
    member = b',"sig":"' + base64.b64encode(sig) + b'"'
    at = signed.rfind(b',"source":')
    return signed[:at] + member + signed[at:]


def _receipt(ledger: Ledger, index: int = 2) -> str:
    answer = httpx.get(f"{ledger.url}/v1/log/receipt", params={"index": index})
    assert answer.status_code == 200, answer.text
    return answer.text


def _extra(text: str) -> bytes:
    return base64.b64decode(text.split("\n")[1].removeprefix("extra "))


def _line(at: int, change: Callable[[str], str]) -> Callable[[str], str]:
    def changed(text: str) -> str:
        lines = text.split("\n")
        lines[at] = change(lines[at])
        return "\n".join(lines)

    return changed


def _head(change: Callable[[list[str]], list[str]]) -> Callable[[str], str]:
    def changed(text: str) -> str:
        head, _, note = text.partition("\n\n")
        return "\n".join(change(head.split("\n"))) + "\n\n" + note

    return changed


def _noncanonical_base64(line: str) -> str:
    raw = base64.b64decode(line)
    # The last character carries unused bits when the length is not a multiple of 3.
    assert len(raw) % 3
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    body = line.rstrip("=")
    last = alphabet[alphabet.index(body[-1]) + 1]
    return body[:-1] + last + line[len(body) :]


def _cosigned(text: str) -> str:
    note = text[text.index("\n\n") + 2 :]
    return text + WITNESS.cosign(note[: note.index("\n\n") + 1])


def _other_origin(ledger: Ledger) -> Callable[[str], str]:
    def changed(text: str) -> str:
        head, _, note = text.partition("\n\n")
        body = note[: note.index("\n\n") + 1].split("\n", 1)[1]
        other = Signer("periplus.test/other", STRANGER)
        return head + "\n\n" + other.sign(f"{other.name}\n{body}")

    return changed


TEXT: dict[str, Callable[[str], str]] = {
    "valid": lambda t: t,
    "crlf": lambda t: t.replace("\n", "\r\n"),
    "crlf-head": lambda t: t.replace("\n\n", "\r\n\r\n", 1).replace("\n", "\r\n", 1),
    "trailing-space-header": _line(0, lambda s: s + " "),
    "trailing-space-index": _line(2, lambda s: s + " "),
    "trailing-space-hash": _line(3, lambda s: s + " "),
    "blank-line-at-start": lambda t: "\n" + t,
    "extra-blank-line": lambda t: t.replace("\n\n", "\n\n\n", 1),
    "blank-line-at-end": lambda t: t + "\n",
    "second-extra": _head(lambda h: [h[0], h[1], h[1], *h[2:]]),
    "extra-after-index": _head(lambda h: [h[0], h[2], h[1], *h[3:]]),
    "unknown-line": _head(lambda h: [*h[:3], "note hello", *h[3:]]),
    "unknown-line-end": _head(lambda h: [*h, "note hello"]),
    "index-leading-zero": _line(2, lambda s: "index 02"),
    "index-plus": _line(2, lambda s: "index +2"),
    "index-negative": _line(2, lambda s: "index -2"),
    "index-huge": _line(2, lambda s: "index 99999999999999999999999"),
    "index-2-pow-53": _line(2, lambda s: "index 9007199254740994"),
    "index-beyond-size": _line(2, lambda s: "index 6"),
    "index-other": _line(2, lambda s: "index 3"),
    "index-tab": _line(2, lambda s: "index\t2"),
    "index-unicode-digit": _line(2, lambda s: "index \u0662"),
    "proof-short": _head(lambda h: h[:-1]),
    "proof-long": _head(lambda h: [*h, h[-1]]),
    "proof-none": _head(lambda h: h[:3]),
    "proof-hash-noncanonical": _line(3, _noncanonical_base64),
    "proof-hash-unpadded": _line(3, lambda s: s.rstrip("=")),
    "proof-hash-short": _line(3, lambda s: base64.b64encode(base64.b64decode(s)[:31]).decode()),
    "extra-noncanonical": _line(1, lambda s: "extra " + _noncanonical_base64(s[6:])),
    "extra-unpadded": _line(1, lambda s: s.rstrip("=")),
    "extra-empty": _line(1, lambda s: "extra "),
    "no-extra": _head(lambda h: [h[0], *h[2:]]),
    "header-other": _line(0, lambda s: "c2sp.org/tlog-proof@v2"),
    "no-blank-line": lambda t: t.replace("\n\n", "\n", 1),
    "note-text-after-signatures": lambda t: t + "and more\n",
    "note-no-final-newline": lambda t: t[:-1],
    "note-unknown-cosigner": _cosigned,
    "note-bom": lambda t: "\ufeff" + t,
}


def _verdicts(
    core: Page, text: str, policy: str, sources: SourceKeys, lines: str
) -> tuple[str, str]:
    """What `ledger verify --receipt` and the page's core say of ``text``: "ok", or why not
    (the page also says "unsigned" of an entry it shows only with a warning)."""
    try:
        check_receipt(text, parse_policy(policy), sources)
        python = "ok"
    except VerificationFailedError as exc:
        python = f"refused: {exc}"
    receipt = base64.b64encode(text.encode()).decode()
    js = core.evaluate(
        _VERDICT, {"policy": policy, "sources": lines.splitlines(), "receipt": receipt}
    )
    return python, str(js)


def _agree(python: str, js: str) -> None:
    assert (python == "ok") == (js == "ok"), (python, js)


def _pinned(first: int = 1) -> tuple[SourceKeys, str]:
    keys = SourceKeys()
    keys.trust(SOURCE_SIGNER.name, SOURCE_SIGNER.verifier, first)
    return keys, f"{SOURCE_SIGNER.verifier} {first}-"


@pytest.mark.parametrize("change", TEXT.values(), ids=TEXT.keys())
def test_a_changed_receipt_gets_the_same_verdict_on_the_page_and_from_the_ledger(
    core: Page, ledger: Ledger, change: Callable[[str], str]
) -> None:
    text = change(_receipt(ledger))
    sources, lines = _pinned()
    python, js = _verdicts(core, text, f"{log_line(ledger)}\nquorum none\n", sources, lines)
    _agree(python, js)
    if change is TEXT["valid"] or change is TEXT["note-unknown-cosigner"]:
        assert (python, js) == ("ok", "ok")


def test_another_origin_and_an_unmet_quorum_are_refused_by_both(core: Page, ledger: Ledger) -> None:
    sources, lines = _pinned()
    plain = f"{log_line(ledger)}\nquorum none\n"
    witnessed = f"{log_line(ledger)}\nwitness w1 {WITNESS.key}\nquorum w1\n"
    text = _receipt(ledger)
    for receipt, policy in [
        (_other_origin(ledger)(text), plain),
        (text, witnessed),
        (_cosigned(text), witnessed),
    ]:
        python, js = _verdicts(core, receipt, policy, sources, lines)
        _agree(python, js)
    assert _verdicts(core, _cosigned(text), witnessed, sources, lines) == ("ok", "ok")


def _reordered(fields: dict[str, Any]) -> bytes:
    """The source's fields signed in an order of their own: JSON, but not RFC 8785."""
    unsigned = {k: v for k, v in fields.items() if k != "sig"}
    text = json.dumps(unsigned, separators=(",", ":"), ensure_ascii=False).encode()
    if b',"source":' not in text:
        text = text.replace(b'"source":', b',"source":', 1)
    return _signed(fields, b"{" + text[1:])


def _spaced(fields: dict[str, Any]) -> bytes:
    """RFC 8785 bytes with one space added after the opening brace, signed as they are."""
    unsigned = {k: v for k, v in fields.items() if k != "sig"}
    return _signed(fields, b"{ " + canonical_bytes(unsigned)[1:])


def _duplicate(fields: dict[str, Any]) -> bytes:
    """The signed bytes with a second trip_id after the first: a lenient reader takes it."""
    unsigned = {k: v for k, v in fields.items() if k != "sig"}
    other = b',"trip_id":"00000000-0000-0000-0000-000000000016"}'
    return _signed(fields, canonical_bytes(unsigned)[:-1] + other)


def _escaped(fields: dict[str, Any]) -> bytes:
    """A "/" of the data escaped, as RFC 8785 does not write it."""
    unsigned = {k: v for k, v in fields.items() if k != "sig"}
    text = canonical_bytes({**unsigned, "occurred_at": unsigned["occurred_at"]})
    return _signed(
        fields, text.replace(TRIP.encode()[:8], TRIP.encode()[:8].replace(b"0", b"\\u0030"), 1)
    )


def _unsigned(fields: dict[str, Any]) -> bytes:
    unsigned = {k: v for k, v in fields.items() if k != "sig"}
    return canonical_bytes({**unsigned, "spec": "periplus.event/1"})


def _other_key(fields: dict[str, Any]) -> bytes:
    """Signed, validly, by a key that is not the source's."""
    unsigned = {k: v for k, v in fields.items() if k != "sig"}
    signed = canonical_bytes(unsigned)
    impostor = Signer(SOURCE_SIGNER.name, STRANGER)
    sig = impostor.verifier.key_id + STRANGER.sign(signed)
    at = signed.rfind(b',"source":')
    return signed[:at] + b',"sig":"' + base64.b64encode(sig) + b'"' + signed[at:]


LEAVES: dict[str, Callable[[dict[str, Any]], bytes]] = {
    "canonical": lambda f: _signed(f),
    "reordered-keys": _reordered,
    "space": _spaced,
    "duplicate-member": _duplicate,
    "escaped-character": _escaped,
    "unsigned": _unsigned,
    "other-key": _other_key,
    "not-json": lambda f: b"not json",
    "json-array": lambda f: b"[]",
}


@pytest.mark.parametrize("make", LEAVES.values(), ids=LEAVES.keys())
def test_a_leaf_the_log_key_signed_gets_the_same_verdict_on_the_page_and_from_the_ledger(
    core: Page, ledger: Ledger, make: Callable[[dict[str, Any]], bytes]
) -> None:
    sources, lines = _pinned()
    text = _logged(ledger, make(_event(ledger)))
    python, js = _verdicts(core, text, f"{log_line(ledger)}\nquorum none\n", sources, lines)
    _agree(python, js)
    if make is LEAVES["canonical"]:
        assert (python, js) == ("ok", "ok")


def test_a_key_not_in_force_for_the_seq_and_a_tree_of_nothing_are_refused_by_both(
    core: Page, ledger: Ledger
) -> None:
    policy = f"{log_line(ledger)}\nquorum none\n"
    sources, lines = _pinned(first=100)  # the entry's seq is below the key's first
    python, js = _verdicts(core, _receipt(ledger), policy, sources, lines)
    assert python != "ok"
    assert js.startswith("refused: source_before"), js
    sources, lines = _pinned()
    leaf = _signed(_event(ledger))
    for text in [_logged(ledger, leaf, size=0, index=0), _logged(ledger, leaf, size=1, index=1)]:
        python, js = _verdicts(core, text, policy, sources, lines)
        _agree(python, js)
        assert js != "ok"


def _notice(signer: Signer, seq: int, reason: str) -> bytes:
    """A notice that the log moved past seq ``seq`` of the city's source, signed by ``signer``."""
    data = {"source": SOURCE_SIGNER.name, "seq": seq, "reason": reason}
    return source_events.sign(
        signer, seq=2, type_="source.seq_resolved", trip_id=source_events.NO_TRIP, data=data
    ).leaf


def test_the_ledgers_notices_of_a_seq_moved_past_get_the_same_verdict_on_both(
    core: Page, ledger: Ledger
) -> None:
    """``ledger resolve``'s notice, of an event refused or of one that never arrived, is the
    ledger's word: both take it under the log key in the ledger's own name, and neither in a
    city's name, nor under another key in the ledger's."""
    notice = with_a_resolved_seq(ledger)
    policy = f"{log_line(ledger)}\nquorum none\n"
    sources, lines = _pinned()
    lines += f"\n{ledger.own_signer.verifier}"
    assert _verdicts(core, _receipt(ledger, notice), policy, sources, lines) == ("ok", "ok")
    never = f"seq 9 never arrived; {SOURCE_SIGNER.name}, asked for it, does not have it. lost"
    own = ledger.own_signer.name
    for signer, expected in [
        (ledger.own_signer, "ok"),
        (SOURCE_SIGNER, "refused: notice_source"),
        (Signer(own, STRANGER), "refused: source_key"),
    ]:
        python, js = _verdicts(
            core, _logged(ledger, _notice(signer, 9, never)), policy, sources, lines
        )
        _agree(python, js)
        assert js.startswith(expected), js
