"""Listing trips: cursor pages and every filter."""

from trips_api.testing import Api, days
from trips_api.trips import examples


def _ids(api: Api, **params: str | int) -> list[str]:
    response = api.as_("writer").get("/v1/trips", params=params)
    assert response.status_code == 200, response.text
    return [t["id"] for t in response.json()["trips"]]


def test_cursor_pages_walk_every_trip_once(api: Api) -> None:
    created = [api.create(title=f"Trip {n}")["id"] for n in range(5)]
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.as_("writer").get("/v1/trips", params=params).json()
        seen += [t["id"] for t in page["trips"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == created


def test_filters(api: Api) -> None:
    summit = api.approved()
    twinning = api.create(
        **{
            **examples.trip(days_ahead=200),
            "title": "Twinning visit to Porto",
            "category": "twinning",
            "itinerary": [
                {"country": "PT", "city": "Porto", "arrive": days(201), "depart": days(203)}
            ],
            "agenda": [],
            "lead_department": "finance",
            "departments": [],
            "sdg_goals": [4],
            "sdg_targets": ["4.7"],
            "travellers": [
                {
                    "name": "Rosa Gomez",
                    "position": "Councillor",
                    "elected": True,
                    "name_public": False,
                }
            ],
            "delegation_size": 1,
        }
    )["id"]
    assert _ids(api, status="draft") == [twinning]
    assert _ids(api, status="approved") == [summit["id"]]
    assert _ids(api, category="twinning") == [twinning]
    assert _ids(api, department="mobility") == [summit["id"]]
    assert _ids(api, department="finance") == [twinning]
    assert _ids(api, sdg_goal=11) == [summit["id"]]
    assert _ids(api, sdg_goal=4) == [twinning]
    assert _ids(api, sdg_target="17.17") == [summit["id"]]
    assert _ids(api, country="pt") == [twinning]
    assert _ids(api, country="KR") == [summit["id"]]
    assert _ids(api, date_from=days(150)) == [twinning]
    assert _ids(api, date_to=days(100)) == [summit["id"]]
    assert _ids(api, date_from=days(62), date_to=days(62)) == [summit["id"]]
    assert _ids(api, traveller="pereira") == [summit["id"]]
    assert _ids(api, traveller="councillor") == [twinning]
    assert _ids(api, q="porto") == [twinning]
    assert _ids(api, q=summit["reference"]) == [summit["id"]]
    assert _ids(api, q="100%_") == []


def test_a_protected_name_cannot_be_found_without_the_private_scope(api: Api) -> None:
    api.approved()
    found = api.as_(None).get("/v1/trips", params={"traveller": "silva"}).json()["trips"]
    assert found == []
    private = api.as_("private").get("/v1/trips", params={"traveller": "silva"}).json()["trips"]
    assert len(private) == 1


def test_bad_filters_are_refused_clearly(api: Api) -> None:
    for params in (
        {"sdg_target": "18.1"},
        {"limit": 0},
        {"cursor": "abc"},
        {"status": "lost"},
        {"q": "nul\x00byte"},
        {"traveller": "x" * 101},
    ):
        response = api.as_(None).get("/v1/trips", params=params)
        assert response.status_code == 422, params
        assert response.headers["content-type"] == "application/problem+json"


def test_the_sdg_catalogue_lists_every_goal_and_target(api: Api) -> None:
    goals = api.as_(None).get("/v1/sdg").json()["goals"]
    assert len(goals) == 17
    assert sum(len(g["targets"]) for g in goals) == 169
    assert goals[10]["names"]["fr"] == "Villes et communautés durables"
    assert {"id": "11.2", "label": "Safe, affordable, sustainable transport for all"} in goals[10][
        "targets"
    ]
