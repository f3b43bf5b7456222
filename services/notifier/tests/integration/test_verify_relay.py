"""The /v1/verify relay serves the ledger's bytes under its own content types: a hostile
ledger (or anyone between it and the site) cannot serve a page or a script on the site's
origin, where the site's own policy would run it."""

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import Response

from notifier.testing import Site, serve
from periplus.testing import Server

PAGE = b'<!doctype html><script src="/v1/verify/receipt?index=2"></script>'
SCRIPT = b'localStorage.setItem("periplus.own-keys", "{}")'


@pytest.fixture
def hostile() -> Iterator[Server]:
    """A "ledger" that answers HTML or JavaScript wherever it is asked."""
    app = FastAPI()

    @app.get("/v1/log/{path:path}")
    def anything(path: str, index: int = 0) -> Response:
        if index == 2:
            return Response(SCRIPT, media_type="text/javascript")
        return Response(PAGE, media_type="text/html")

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
