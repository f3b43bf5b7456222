"""Request examples for the OpenAPI document, each accepted by the API as it is.

Dates are set relative to the day the service starts: the upcoming trip stays
far enough ahead to be approved without an urgency reason, and the trip
recorded after the fact has returned already, so that it can be taken through
completion, report and close on the day it is pasted.
"""

from datetime import date, timedelta
from typing import Any

AFTER_THE_FACT_DAYS = -20  # departed 20 days ago, returned 15 days ago: the report is not late


def trip(today: date | None = None, *, days_ahead: int = 60) -> dict[str, Any]:
    """A complete trip: everything approval needs; in the past if ``days_ahead`` < 0."""
    start = (today or date.today()) + timedelta(days=days_ahead)

    def day(n: int) -> str:
        return (start + timedelta(days=n)).isoformat()

    return {
        "title": "UCLG World Summit: local action on the SDGs",
        "purpose": (
            "Present the city's bus electrification plan in the session on sustainable "
            "transport, and agree a technical cooperation programme with Daejeon's transit agency."
        ),
        "category": "summit",
        "host_organisation": "United Cities and Local Governments (UCLG)",
        "networks": ["UCLG", "Mercociudades"],
        "departure_date": day(0),
        "return_date": day(5),
        "itinerary": [
            {"country": "KR", "city": "Daejeon", "arrive": day(1), "depart": day(4)},
            {"country": "KR", "city": "Seoul", "arrive": day(4), "depart": day(5)},
        ],
        "travellers": [
            {"name": "Ana Pereira", "position": "Mayor", "elected": True, "name_public": True},
            {
                "name": "Jorge Silva",
                "position": "Head of the international relations office",
                "elected": False,
                "name_public": False,
            },
        ],
        "delegation_size": 2,
        "lead_department": "international-relations",
        "departments": ["mobility"],
        "sdg_goals": [11, 17],
        "sdg_targets": ["11.2", "17.17"],
        "agenda": [
            {
                "date": day(2),
                "time": "10:00",
                "kind": "session",
                "title": "Session on sustainable urban transport",
                "counterpart": "UCLG",
                "topic": "Bus electrification",
            },
            {
                "date": day(3),
                "time": "15:30",
                "kind": "meeting",
                "title": "Working meeting with Daejeon Transportation Corporation",
                "counterpart": "Daejeon Transportation Corporation",
                "topic": "Technical cooperation on electric bus depots",
            },
        ],
        "expected_outcomes": [
            {"id": "o1", "text": "A signed technical cooperation programme with Daejeon."},
            {"id": "o2", "text": "Two offers of technical assistance for the depot design."},
        ],
        "budget": [
            {
                "category": "airfare",
                "payer": "city",
                "payer_name": "Budget line 1.02.03 International relations",
                "amount": {"amount": "2480.00", "currency": "EUR"},
            },
            {
                "category": "lodging",
                "payer": "host",
                "payer_name": "UCLG",
                "amount": {"amount": "1200000", "currency": "KRW"},
                "exchange_rate": "0.00068",
                "rate_date": (today or date.today()).isoformat(),
            },
            {
                "category": "per_diem",
                "payer": "city",
                "amount": {"amount": "540.00", "currency": "EUR"},
            },
        ],
        "in_kind": [
            {
                "giver": "Daejeon Metropolitan City",
                "description": "Local transport during the visit",
                "estimated_value": {"amount": "150.00", "currency": "EUR"},
            }
        ],
        "private_notes": "Passport renewal for J. Silva is under way.",
    }


def create_examples() -> dict[str, dict[str, Any]]:
    """The named examples of `POST /v1/trips`, shown as a choice in the OpenAPI UI."""
    return {
        "upcoming": {
            "summary": "A trip ahead, disclosed before departure",
            "value": trip(),
        },
        "after-the-fact": {
            "summary": "A trip that has returned, recorded after the fact",
            "description": "Its approval needs `urgency_justification` (the approve example "
            "has one); it can then be completed, reported and closed at once.",
            "value": trip(days_ahead=AFTER_THE_FACT_DAYS),
        },
    }


PATCH: dict[str, Any] = {
    "title": "UCLG World Summit: local action on the SDGs and urban mobility",
    "networks": ["UCLG", "Mercociudades", "C40"],
}

APPROVE: dict[str, Any] = {
    "urgency_justification": (
        "The invitation arrived late; the session is where the cooperation programme is signed."
    )
}

AMEND: dict[str, Any] = {
    "changes": {"delegation_size": 3},
    "reason": "The head of the mobility department joins the delegation at the host's request.",
}

CORRECT: dict[str, Any] = {
    "changes": {"host_organisation": "United Cities and Local Governments"},
    "reason": "The host organisation was recorded with its acronym in the name.",
}

REJECT: dict[str, Any] = {
    "reason": "The larger budget needs the finance department's opinion first.",
}

CANCEL: dict[str, Any] = {"reason": "The summit was postponed by its organisers."}

COMPLETE: dict[str, Any] = {
    "actual_costs": [
        {
            "category": "airfare",
            "payer": "city",
            "payer_name": "Budget line 1.02.03 International relations",
            "amount": {"amount": "2391.40", "currency": "EUR"},
        },
        {
            "category": "per_diem",
            "payer": "city",
            "amount": {"amount": "486.00", "currency": "EUR"},
        },
        {
            "category": "local_transport",
            "payer": "city",
            "amount": {"amount": "64000", "currency": "KRW"},
            "exchange_rate": "0.00068",
        },
    ]
}

REPORT: dict[str, Any] = {
    "summary": (
        "The mayor presented the electrification plan to 300 delegates and signed the "
        "cooperation programme; Daejeon will send two engineers for the depot design."
    ),
    "results": [
        {
            "outcome_id": "o1",
            "achieved": "yes",
            "result": "Programme signed on the third day; it runs for two years.",
        },
        {
            "outcome_id": "o2",
            "achieved": "partly",
            "result": "One offer received (Daejeon); the second is still under discussion.",
        },
    ],
    "documents": [
        {"title": "Signed cooperation programme", "url": "https://example.org/docs/programme.pdf"}
    ],
    "followups": [
        {
            "commitment": "Host two Daejeon engineers for the depot design workshop.",
            "owner_department": "mobility",
            "due_date": "2027-09-30",
        }
    ],
}

FOLLOWUP: dict[str, Any] = {
    "status": "in_progress",
    "evidence": "Workshop dates agreed by letter of 12 June.",
    "note": "Dates fixed with Daejeon.",
}

COSTS_CORRECTION: dict[str, Any] = {
    "actual_costs": [
        *COMPLETE["actual_costs"][:1],
        {
            "category": "per_diem",
            "payer": "city",
            "amount": {"amount": "405.00", "currency": "EUR"},
        },
        *COMPLETE["actual_costs"][2:],
    ],
    "reason": "The per diem was paid for five days, not six: the return flight left at noon.",
}

REPORT_CORRECTION: dict[str, Any] = {
    "changes": {
        "documents": [
            {
                "title": "Signed cooperation programme",
                "url": "https://example.org/docs/programme-signed.pdf",
            }
        ]
    },
    "reason": "The link pointed to the unsigned draft of the programme.",
}

FOLLOWUP_CORRECTION: dict[str, Any] = {
    "changes": {"due_date": "2027-10-31"},
    "reason": "The report gave the workshop's planning date, not the date it was agreed for.",
}

FOLLOWUPS_ADDITION: dict[str, Any] = {
    "followups": [
        {
            "commitment": "Share the depot design with the two other cities of the network.",
            "owner_department": "mobility",
            "due_date": "2027-12-15",
        }
    ],
    "reason": "Agreed at the network's call two weeks after the report was filed.",
}
