"""``/notices`` with no notice yet, past its last page, and refusing a page it does not
have; its query reads the ledger's notices from an index, not the whole entries table.
(The page with real notices of a real ledger: ``tests/notifier_ledger/test_notices_page``.)
"""

from collections.abc import Iterator
from datetime import date

import httpx
import pytest
from sqlalchemy import Engine, inspect, text

from notifier.testing import Site, feed_sample, serve, words


@pytest.fixture
def site(database_url: str) -> Iterator[Site]:
    """Three trips, and no notice of the ledger's."""
    for running in serve(database_url):
        feed_sample(running, 1, short_departs=date(2025, 9, 1), cancelled_departs=date(2026, 3, 10))
        yield running


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        (
            "en",
            "The log's operators have taken no such decision so far: no entry has been"
            " withheld, and the log has moved past no event of a source.",
        ),
        (
            "es",
            "Los operadores del registro no han tomado ninguna de estas decisiones hasta ahora",
        ),
    ],
    ids=["en", "es"],
)
def test_with_no_decision_the_page_says_so(site: Site, lang: str, said: str) -> None:
    page = httpx.get(f"{site.url}/notices?lang={lang}")
    assert page.status_code == 200
    body = words(page.text)
    assert said in body
    assert "<table" not in page.text
    assert 'href="/verifier.html"' in page.text  # how to check, even before there is any


def test_past_the_last_page_it_links_back_and_a_page_it_cannot_have_is_refused(
    site: Site,
) -> None:
    past = httpx.get(f"{site.url}/notices?page=3&lang=en")
    assert past.status_code == 200
    assert "No decision on this page." in words(past.text)
    assert 'href="/notices?lang=en"' in past.text
    refused = httpx.get(f"{site.url}/notices?page=0")
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"


def test_the_empty_feed_is_a_valid_atom_feed(site: Site) -> None:
    feed = httpx.get(f"{site.url}/notices.atom?lang=fr")
    assert feed.status_code == 200
    assert "<entry>" not in feed.text
    assert "<title>Periplus: Les décisions publiques du registre</title>" in feed.text


LISTED = (
    "SELECT * FROM logged_entry WHERE type IN ('entry.withheld', 'source.seq_resolved')"
    ' ORDER BY "index" DESC LIMIT 51'
)


def test_the_notices_are_read_from_an_index(engine: Engine) -> None:
    """The migrations make ``ix_logged_entry_type_index``, and the page's query uses it."""
    indexes = {i["name"]: i["column_names"] for i in inspect(engine).get_indexes("logged_entry")}
    assert indexes["ix_logged_entry_type_index"] == ["type", "index"]
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SET enable_seqscan = off"))  # as on a table of millions
            plan = connection.execute(text(f"EXPLAIN {LISTED}")).scalars().all()
        else:
            plan = [row[-1] for row in connection.execute(text(f"EXPLAIN QUERY PLAN {LISTED}"))]
    assert any("ix_logged_entry_type_index" in line for line in plan), plan
