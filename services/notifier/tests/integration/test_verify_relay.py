"""The /v1/verify relay serves the ledger's bytes under its own content types: a hostile
ledger (or anyone between it and the site) cannot serve a page or a script on the site's
origin, where the site's own policy would run it, nor have one saved under a page's name."""

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import Response, StreamingResponse
from playwright.sync_api import Browser

from notifier.testing import Site, serve
from periplus.testing import Server

PAGE = b'<!doctype html><script src="/v1/verify/receipt?index=2"></script>'
SCRIPT = b'localStorage.setItem("periplus.own-keys", "{}")'
# A page saved under the kept verifier's name would run from disk, beside its saved keys.
SAVED_AS = {"Content-Disposition": 'attachment; filename="periplus-verifier.html"'}


@pytest.fixture
def hostile() -> Iterator[Server]:
    """A "ledger" that answers HTML or JavaScript wherever it is asked, to be saved as a page."""
    app = FastAPI()

    @app.get("/v1/log/{path:path}")
    def anything(path: str, index: int = 0) -> Response:
        if index == 3:  # an answer without end
            return StreamingResponse(iter(lambda: b"x" * 65536, None), media_type="text/plain")
        if index == 2:
            return Response(SCRIPT, media_type="text/javascript", headers=SAVED_AS)
        return Response(PAGE, media_type="text/html", headers=SAVED_AS)

    with Server(app) as server:
        yield server


@pytest.fixture
def site(database_url: str, hostile: Server) -> Iterator[Site]:
    yield from serve(database_url, ledger_url=hostile.url)


def test_signed_notes_are_relayed_as_plain_text_whatever_the_ledger_says(site: Site) -> None:
    for query in ("/receipt?index=1", "/receipt?index=2", "/checkpoint"):
        answer = httpx.get(f"{site.url}/v1/verify{query}")
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "text/plain; charset=utf-8"
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.content in (PAGE, SCRIPT)  # the bytes, untouched


def test_json_routes_refuse_what_is_not_json(site: Site) -> None:
    for query in ("/entries?start=0&end=1", "/proof/inclusion?index=0&tree_size=1"):
        answer = httpx.get(f"{site.url}/v1/verify{query}")
        assert answer.status_code == 502
        assert answer.headers["content-type"] == "application/problem+json"
        assert b"<script" not in answer.content


def test_the_ledger_does_not_name_a_download(site: Site, browser: Browser) -> None:
    for query in ("/checkpoint", "/keys", "/receipt?index=1"):
        answer = httpx.get(f"{site.url}/v1/verify{query}")
        assert answer.headers.get("content-disposition") != SAVED_AS["Content-Disposition"]
    assert "content-disposition" not in httpx.get(f"{site.url}/v1/verify/checkpoint").headers
    # A receipt is still saved, under the name the site gives it.
    receipt = httpx.get(f"{site.url}/v1/verify/receipt?index=1")
    assert receipt.headers["content-disposition"] == 'attachment; filename="entry-1.tlog-proof"'
    # In a browser, the relayed checkpoint is text to read, not a file to keep.
    page = browser.new_page()
    page.goto(f"{site.url}/v1/verify/checkpoint")
    assert page.locator("body").inner_text() == PAGE.decode()
    page.close()


def test_an_answer_without_end_is_cut_and_refused(site: Site) -> None:
    """A hostile ledger cannot fill the site's memory through the relay: past what the
    ledger ever serves, the answer is dropped and refused."""
    answer = httpx.get(f"{site.url}/v1/verify/receipt?index=3", timeout=60)
    assert answer.status_code == 502
    assert answer.headers["content-type"] == "application/problem+json"
    assert "more than it ever serves" in answer.json()["detail"]
