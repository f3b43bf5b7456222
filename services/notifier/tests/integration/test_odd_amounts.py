"""A signed entry may state any text as an amount. One that is no plain finite decimal
(the contract's ``Decimal``) leaves its trip unread where the figure would be, and every
page, feed, card and download still answers: one odd entry never takes the site down."""

import uuid

import httpx
import pytest

from notifier.testing import event, serve, snapshot

pytestmark = pytest.mark.backends("sqlite")

PATHS = (
    "/",
    "/trips/{trip}",
    "/trips/{trip}/card.png",
    "/years/2026/card.png",
    "/feed.atom",
    "/feed.json",
    "/digest/2026",
    "/emissions",
    "/map",
    "/checklist",
    "/data/trips.csv",
    "/data/costs.csv",
    "/data/signals.csv",
    "/data/trips.jsonl",
)


@pytest.mark.parametrize(
    "odd",
    [
        "NaN",
        "Infinity",
        "-Infinity",
        "1e999999",
        "1E+3",
        "abc",
        "1" + "0" * 29,  # past the contract's 20 digits, and the decimal context's 28
        "99999999999999999999.9999999999",  # the most the contract takes: shown
    ],
)
def test_an_amount_that_is_no_plain_decimal_breaks_no_page(database_url: str, odd: str) -> None:
    trip = str(uuid.uuid4())
    stated = snapshot("MVD-2026-0099")
    stated["budget_total"]["amount"] = odd
    stated["budget"][0]["amount"]["amount"] = odd
    stated["budget"][0]["reporting"]["amount"] = odd
    for site in serve(database_url):
        site.feed([event("trip.approved", trip, {"trip": stated}, check=False)])
        answers = {path: httpx.get(site.url + path.format(trip=trip)) for path in PATHS}
        assert {p: a.status_code for p, a in answers.items()} == dict.fromkeys(PATHS, 200)
        page = answers["/trips/{trip}"].text
        assert "MVD-2026-0099" in page  # the trip is listed, by what could be read
