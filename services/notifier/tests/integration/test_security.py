"""Safe to expose: security headers on every route, no inline script or style, links only
to web addresses, and feeds without the control characters an entry might carry (the
ledger refuses C0 controls; C1 controls and non-characters still reach the notifier).
"""

import re
import uuid
from collections.abc import Iterator

import feedparser
import httpx
import pytest
from playwright.sync_api import Browser

from notifier.publish.hrefs import web_href
from notifier.testing import Site, event, life, serve

# What this module checks is the same on every database; it runs on SQLite.
pytestmark = pytest.mark.backends("sqlite")

TRIP = str(uuid.UUID(int=201))
ODD = str(uuid.UUID(int=202))


@pytest.fixture
def site(database_url: str) -> Iterator[Site]:
    for running in serve(database_url):
        running.feed(life(TRIP, "MVD-2026-0201"))
        report = {
            "summary": "Minutes of the visit\ufffe are attached.",
            "results": [],
            "documents": [
                {"title": "Minutes", "url": "javascript:alert(document.cookie)"},
                {"title": "Slides", "url": " JaVaScRiPt:alert(1)"},
                {"title": "Photos", "url": "data:text/html,<script>alert(1)</script>"},
                {"title": "Agreement", "url": "https://example.org/agreement.pdf"},
            ],
            "filed_on": "2026-03-25",
            "days_after_return": 12,
        }
        reported = event(
            "trip.reported",
            ODD,
            {"reference": "MVD-2026-0202", "report": report, "followups": []},
            check=False,
        )
        # C1 controls, as an entry logged before events were refused for them holds them:
        # read as it was appended (and not signed again here: the feed is taken as verified).
        reported["data"]["report"]["summary"] = "Minutes\x9b of the visit\ufffe are attached\x85."
        running.feed(
            [
                event(
                    "trip.approved", ODD, {"trip": life(ODD, "MVD-2026-0202")[0]["data"]["trip"]}
                ),
                reported,
            ]
        )
        yield running


ROUTES = (
    "/",
    "/?year=2026&figure=trips",
    f"/trips/{TRIP}",
    "/checklist",
    "/notices",
    "/notices.atom",
    "/feed.atom",
    "/feed.json",
    "/feeds/department/Mobility.atom",
    "/feeds/sdg/11.json",
    f"/trips/{TRIP}/feed.atom",
    "/static/site.css",
    "/static/verify.js",
    "/verifier.html",
    "/v1/verify/keys",
    "/healthz",
    "/openapi.json",
    "/no/such/page",
    "/?status=lost",
    "/?figure=everything",
)


@pytest.mark.parametrize("path", ROUTES)
def test_every_route_carries_the_security_headers(site: Site, path: str) -> None:
    _check_headers(httpx.get(f"{site.url}{path}"))


def test_the_webhook_api_and_the_docs_carry_them_too(site: Site) -> None:
    refused = httpx.post(f"{site.url}/v1/subscriptions", json={"url": 5})
    assert refused.status_code == 422
    _check_headers(refused)
    _check_headers(httpx.get(f"{site.url}/v1/subscriptions"))
    for path in ("/docs", "/redoc"):
        docs = httpx.get(f"{site.url}{path}")
        policy = docs.headers["content-security-policy"]
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        # The docs tools set styles as they draw; scripts stay the site's own files.
        assert directives["script-src"] == "'self'"
        assert directives["frame-ancestors"] == "'none'"
        assert docs.headers["x-content-type-options"] == "nosniff"


def _check_headers(answer: httpx.Response) -> None:
    policy = answer.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["default-src"] == "'none'"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert answer.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize(
    "path", ["/", "/?year=2026", f"/trips/{TRIP}", f"/trips/{ODD}", "/checklist", "/notices"]
)
def test_pages_run_no_inline_script_or_style(site: Site, path: str) -> None:
    html = httpx.get(f"{site.url}{path}").text
    for tag in re.findall(r"<script\b[^>]*>", html):
        # Only data blocks, which a browser never runs, or the site's own files.
        assert 'type="application/json"' in tag or re.search(r'src="/static/[\w.]+"', tag), tag
    assert "<style" not in html
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)


def test_a_link_from_an_entry_is_made_only_to_a_web_address(site: Site) -> None:
    html = httpx.get(f"{site.url}/trips/{ODD}").text
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert not [h for h in hrefs if re.match(r"\s*(javascript|data):", h, re.I)]
    assert (
        '<a href="https://example.org/agreement.pdf" rel="nofollow noopener">Agreement</a>' in html
    )
    for title in ("Minutes", "Slides", "Photos"):
        assert re.search(rf"<li>{title} <span", html), title
    assert web_href("https://example.org/a") == "https://example.org/a"
    assert web_href("http://example.org/a") == "http://example.org/a"
    for bad in (
        "javascript:alert(1)",
        "java\tscript:alert(1)",
        "//evil.example/",
        "/trips",
        "",
        None,
    ):
        assert web_href(bad) is None, bad


def test_control_characters_are_left_out_of_the_atom_feed(site: Site) -> None:
    for path in ("/feed.atom", f"/trips/{ODD}/feed.atom"):
        body = httpx.get(f"{site.url}{path}").content
        text = body.decode()
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe]", text)
        parsed = feedparser.parse(body)
        assert not parsed.bozo, parsed.get("bozo_exception")
        summaries = [e.summary for e in parsed.entries]
        assert "Minutes of the visit are attached. Entry 6." in summaries


def _refusals(browser: Browser, url: str, ready: str) -> list[str]:
    """What the browser's console says it refused under the page's policy."""
    page = browser.new_page()
    said: list[str] = []
    page.on("console", lambda message: said.append(message.text))
    page.goto(url)
    page.wait_for_selector(ready, timeout=20_000)
    page.close()
    return [s for s in said if "Content Security Policy" in s or "Refused" in s]


def test_the_pages_and_the_api_docs_work_under_the_policy_without_the_internet(
    site: Site, browser: Browser
) -> None:
    assert _refusals(browser, f"{site.url}/?year=2026", "figure.chart svg") == []
    assert _refusals(browser, f"{site.url}/trips/{TRIP}", "button.verify") == []
    # Swagger UI draws the operations from /openapi.json, with nothing from a CDN.
    assert _refusals(browser, f"{site.url}/docs", ".swagger-ui .opblock") == []
    # ReDoc draws the whole reference; only its makers' badge, an image it would fetch
    # from their site, stays away (the point: nothing leaves the intranet).
    refused = _refusals(browser, f"{site.url}/redoc", "h1")
    assert all("'https://cdn.redoc.ly/" in r and '"img-src' in r for r in refused), refused
    docs = httpx.get(f"{site.url}/docs").text
    assert "http" not in docs.replace('href="/', "").split("<body>")[0].lower()
    assert not re.search(r"<script>(?!</script>)", docs)
    assert httpx.get(f"{site.url}/static/docs/swagger-ui-bundle.js").status_code == 200
    assert httpx.get(f"{site.url}/static/docs/../../main.py").status_code == 404
