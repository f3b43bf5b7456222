"""What the browser tests share: opening a page, pressing verify and reading its verdict,
a key no one trusts, and a notifier pinning a trust policy in front of a ledger
(screenshots: ``notifier.testing.screenshot``)."""

import hashlib
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from playwright.sync_api import Browser, Page
from sqlmodel import Session

from ledger.ingest.resolve import resolve
from ledger.ingest.service import Ingestor
from ledger.log.service import sign_checkpoint
from ledger.testing import Ledger
from notifier import state
from notifier.ingest import service
from notifier.testing import SOURCE_SIGNER, Site, event, life, numbered, serve, snapshot
from periplus import sources
from periplus.canonical import canonical_bytes
from periplus.cosignature import Cosigner
from periplus.events import Envelope
from periplus.kafka import Record
from periplus.note import Signer
from periplus.sources import SourceKeys
from periplus.testing import Server, signed_as_is

STRANGER = Ed25519PrivateKey.from_private_bytes(bytes(range(120, 152)))

TRIP = str(uuid.UUID(int=21))
OTHER = str(uuid.UUID(int=22))
SOURCE_KEYS = {SOURCE_SIGNER.name: [str(SOURCE_SIGNER.verifier)]}
WITNESS = Cosigner("witness.example/w1", Ed25519PrivateKey.from_private_bytes(bytes(range(40, 72))))
SECOND = Cosigner("witness.example/w2", Ed25519PrivateKey.from_private_bytes(bytes(range(80, 112))))


def with_two_trips(ledger: Ledger) -> Ledger:
    """``ledger`` holding one whole trip (entries 0 to 4) and another trip's approval (5),
    as the browser tests read it."""
    other = snapshot("MVD-2026-0022", country="BR", city="Rio de Janeiro", size=6, notice=4)
    events = [*life(TRIP, "MVD-2026-0021"), event("trip.approved", OTHER, {"trip": other})]
    ledger.append(numbered(events))
    return ledger


def verify(page: Page, index: int) -> tuple[str, str]:
    """Press the verify button of entry ``index``; its result and its words."""
    page.click(f'button.verify[data-index="{index}"]')
    verdict = page.locator(f"#verdict-{index}")
    verdict.and_(page.locator("[data-result]")).wait_for(timeout=15_000)
    lines = [line for line in verdict.inner_text().splitlines() if line.strip()]
    return str(verdict.get_attribute("data-result")), "\n".join(lines)


def open_page(browser: Browser, url: str) -> tuple[Page, list[str]]:
    """A page at ``url``, and the script errors it raises as they come."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url)
    return page, errors


def policy_file(tmp_path: Path, *lines: str) -> Path:
    """A trust policy of ``lines``, in a file of its own."""
    path = tmp_path / f"policy-{uuid.uuid4().hex[:8]}.txt"
    path.write_text("".join(f"{line}\n" for line in lines))
    return path


def log_line(ledger: Ledger) -> str:
    """The trust policy's line pinning ``ledger``'s key."""
    return f"log {ledger.signer.verifier}"


@contextmanager
def pinning_notifier(
    database_url: str,
    ledger: Ledger,
    policy: Path,
    ledger_url: str | None = None,
    entries: int = 6,
) -> Iterator[Site]:
    """A notifier pinning ``policy`` and the samples' source key, caught up with the ledger's
    ``entries``."""
    trust: dict[str, Any] = {
        "trust_policy_file": policy,
        "source_keys": SOURCE_KEYS,
        "ledger_source": ledger.settings.own_source,
    }
    with contextmanager(serve)(database_url, ledger_url=ledger_url or ledger.url, **trust) as site:
        assert state.of(site.app).ingestor.catch_up() == entries
        yield site


@contextmanager
def standing_in(ledger: Ledger, checkpoint: Callable[[], str]) -> Iterator[str]:
    """A stand-in for the ledger that serves ``checkpoint()`` as its checkpoint and passes
    every other request through."""
    app = FastAPI()
    app.get("/v1/log/checkpoint")(lambda: PlainTextResponse(checkpoint()))

    @app.get("/{path:path}")
    def passed(path: str, request: Request) -> Response:
        answer = ledger.get(f"/{path}", **request.query_params)
        kind = answer.headers["content-type"]
        return Response(answer.content, status_code=answer.status_code, media_type=kind)

    with Server(app) as server:
        yield server.url


def cosigning(ledger: Ledger, cosigners: list[Cosigner]) -> AbstractContextManager[str]:
    """A stand-in for the ledger whose checkpoint carries the cosignatures of ``cosigners``
    (as many as the list holds at each request)."""

    def checkpoint() -> str:
        note = ledger.get("/v1/log/checkpoint").text
        body = note[: note.index("\n\n") + 1]
        return note + "".join(c.cosign(body) for c in cosigners)

    return standing_in(ledger, checkpoint)


def closing(seq: int = 7) -> Envelope:
    """The source's next event after ``with_two_trips``: the other trip closed (seq 7)."""
    return sources.sign(
        SOURCE_SIGNER,
        seq=seq,
        type_="trip.closed",
        trip_id=uuid.UUID(OTHER),
        data={"reference": "MVD-2026-0022"},
    )


RESOLVED = "a NUL in the reference; the city was told"


def with_a_resolved_seq(ledger: Ledger) -> int:
    """``ledger`` of ``with_two_trips`` after its source's seq 7 was refused (a NUL, signed by
    the city as an older trips-api would) and passed in public by the operator (``ledger
    resolve``), and seq 8 logged after it; the index of the ledger's notice."""
    keys = SourceKeys.configured(SOURCE_KEYS)
    body = {**closing().to_json(signed=False), "data": {"reference": "MVD-2026-0022\x00"}}
    refused = Record("trips", 0, 0, None, canonical_bytes(signed_as_is(SOURCE_SIGNER, body)))
    with httpx.Client() as http:
        ingestor = Ingestor(ledger.engine, {SOURCE_SIGNER.name: "http://127.0.0.1:9"}, http, keys)
        with Session(ledger.engine) as session:
            ingestor.handle(session, ingestor.prepare([refused]))
            session.commit()
    with Session(ledger.engine) as session:
        source = SOURCE_SIGNER.name
        index = resolve(session, source, 7, RESOLVED, ledger.own_signer, [source], keys)
        session.commit()
    ledger.append([closing(8)])
    return index


def sign_with_another_key(ledger: Ledger) -> Signer:
    """The log's next checkpoint signed by another key under the same name."""
    ledger.append([closing()], checkpoint=False)
    signer = Signer(ledger.settings.origin, STRANGER)
    with Session(ledger.engine) as session:
        assert sign_checkpoint(session, signer) is not None
        session.commit()
    return signer


def show(site: Site, *entries: tuple[int, dict[str, Any]]) -> None:
    """Put entries on the public pages behind the ingestion's back, as a faulty notifier would."""
    with Session(site.app.state.engine) as session:
        assert service.apply(session, entries) == len(entries)
        session.commit()


def key_id(signer: Signer) -> str:
    """A signer's key id as the verdicts name it."""
    return signer.verifier.key_id.hex()


def fingerprint(vkey: str) -> str:
    """A key's fingerprint as the page shows it: its SHA-256 in groups of four."""
    digest = hashlib.sha256(vkey.encode()).hexdigest()
    return " ".join(digest[i : i + 4] for i in range(0, 64, 4))
