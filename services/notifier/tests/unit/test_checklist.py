"""The accountability checklist: each rule on its own, with its figures and threshold."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from notifier.checklist.rules import Rules
from notifier.checklist.signals import (
    agenda_coverage,
    amendments,
    cofunded,
    cost,
    delegation,
    departments,
    evaluate,
    followups,
    notice,
    purpose_and_outcomes,
    report_on_time,
    results,
    sdg_targets,
)
from notifier.publish.models import TripState
from notifier.publish.present import checklist
from notifier.publish.yearbook import build, part
from notifier.testing import snapshot
from periplus.public import Followup, TripSnapshot

# What this module checks is the same on every database; it runs on SQLite.
pytestmark = pytest.mark.backends("sqlite")

RULES = Rules()
TODAY = date(2026, 5, 1)


def _trip(**snap: Any) -> TripSnapshot:
    return TripSnapshot.model_validate(snapshot(**snap))


def _state(trip: dict[str, Any] | None = None, **parts: Any) -> TripState:
    """A trip's state: the sample trip (or ``trip``) with ``parts`` as JSON."""
    return TripState.model_validate({"trip": trip or snapshot(), **parts})


def _followup(id_: str, status: str, due: str) -> dict[str, str]:
    return {
        "id": id_,
        "commitment": "Tender for buses",
        "owner_department": "Mobility",
        "due_date": due,
        "status": status,
    }


def _reported(**report: Any) -> TripState:
    return _state(
        report={
            "summary": "Done.",
            "results": [{"outcome_id": "o1", "achieved": "yes", "result": "Signed."}],
            "documents": [],
            "filed_on": "2026-04-01",
            "days_after_return": 19,
            **report,
        },
    )


def test_notice_counts_days_and_reads_the_justification() -> None:
    assert notice(_trip(notice=30), RULES).status == "pass"
    short = notice(_trip(notice=3), RULES)
    assert short.status == "warning"
    assert short.message == "notice.warning"
    assert short.figures == {"days": 3, "minimum": 15, "justified": False}
    urgent = notice(_trip(notice=3, urgency_justification="Summit date moved."), RULES)
    assert urgent.message == "notice.justified"
    assert notice(_trip(notice=3), Rules(min_notice_days=2)).status == "pass"


def test_a_trip_disclosed_after_departure_is_flagged_as_such() -> None:
    late = notice(_trip(notice=-40, urgency_justification="Published afterwards."), RULES)
    assert (late.status, late.message, late.figures["days_after"]) == (
        "warning",
        "notice.after",
        40,
    )


def test_agenda_share_counts_only_working_days() -> None:
    full = agenda_coverage(_trip(days=5, agenda_days=5), RULES)
    assert full is not None
    assert full.status == "pass"
    assert full.figures["share"] == 1.0
    thin = agenda_coverage(_trip(days=5, agenda_days=2), RULES)
    assert thin is not None
    assert thin.status == "warning"
    assert (thin.figures["with_agenda"], thin.figures["days"]) == (2, 5)
    leisure = snapshot(days=2, agenda_days=0)
    leisure["agenda"] = [
        {"date": "2026-03-10", "kind": "free_time", "title": "City tour"},
        {"date": "2026-03-11", "kind": "travel", "title": "Flight home"},
    ]
    found = agenda_coverage(TripSnapshot.model_validate(leisure), RULES)
    assert found is not None
    assert found.figures["with_agenda"] == 0


def test_purpose_outcomes_and_sdg_targets() -> None:
    assert purpose_and_outcomes(_trip(), RULES).status == "pass"
    assert purpose_and_outcomes(_trip(purpose="Visit."), RULES).message == "purpose.thin"
    none = purpose_and_outcomes(_trip(expected_outcomes=[]), RULES)
    assert (none.status, none.message) == ("warning", "purpose.no_outcomes")
    assert sdg_targets(_trip()).figures["list"] == ["11.3", "13.2"]
    assert sdg_targets(_trip(targets=())).status == "warning"


def test_departments_and_delegation_size() -> None:
    assert departments(_trip(), RULES).figures["count"] == 2
    assert departments(_trip(), Rules(min_departments=3)).status == "warning"
    assert delegation(_trip(size=2), RULES).status == "pass"
    big = delegation(_trip(size=9), RULES)
    assert big.status == "warning"
    assert big.figures["size"] == 9


def test_cost_per_traveller_day_against_the_city_median() -> None:
    cheap = _state(snapshot(size=2, days=4, total="800.00", city_share="800.00"))  # 100/day
    usual = _state(snapshot(size=1, days=2, total="300.00", city_share="300.00"))  # 150/day
    dear = _state(snapshot(size=1, days=1, total="600.00", city_share="600.00"))  # 600/day
    parts = [part(str(n), "approved", s, TODAY, RULES) for n, s in enumerate((cheap, usual, dear))]
    medians = build(p for p in parts if p is not None).medians
    assert medians == {"USD": Decimal("150")}  # the city's median, as every page weighs it
    ok = cost(cheap, medians, RULES)
    assert ok is not None
    assert ok.status == "pass"
    assert ok.figures["per_day"] == Decimal("100")
    high = cost(dear, medians, RULES)
    assert high is not None
    assert high.status == "warning"
    assert high.figures["ratio"] == 4.0
    alone = cost(cheap, {}, RULES)
    assert alone is not None
    assert alone.message == "cost.alone"


def test_actual_costs_replace_the_budget_once_known() -> None:
    state = _state(
        snapshot(size=1, days=1, total="100.00", city_share="100.00"),
        completed={
            "actual_costs": [],
            "actual_total": {"amount": "250.00", "currency": "USD"},
            "city_share": {"amount": "50.00", "currency": "USD"},
        },
    )
    found = cost(state, {"USD": Decimal("100")}, RULES)
    assert found is not None
    assert found.figures["per_day"] == Decimal("250")
    shared = cofunded(state, RULES)
    assert shared is not None
    assert shared.status == "pass"
    assert shared.figures["share"] == 0.8


def test_cofunded_share() -> None:
    half = cofunded(_state(snapshot(total="4000.00", city_share="2000.00")), RULES)
    assert half is not None
    assert half.status == "pass"
    assert half.figures["share"] == 0.5
    alone = cofunded(_state(snapshot(total="4000.00", city_share="4000.00")), RULES)
    assert alone is not None
    assert alone.status == "warning"
    assert alone.figures["share"] == 0.0


@pytest.mark.parametrize(
    ("state", "today", "message", "late"),
    [
        (_state(), date(2026, 3, 20), "report.pending", None),
        (_state(), date(2026, 5, 1), "report.overdue", 19),
        (_reported(filed_on="2026-04-01"), TODAY, "report.on_time", 0),
        (_reported(filed_on="2026-04-20"), TODAY, "report.late", 8),
    ],
)
def test_report_on_time(state: TripState, today: date, message: str, late: int | None) -> None:
    # The sample trip returns on 2026-03-13; its report is due 30 days later, on 2026-04-12.
    found = report_on_time(state, today)
    assert found is not None
    assert found.message == message
    assert found.figures.get("late_days") == late


def test_results_against_each_expected_outcome() -> None:
    found = results(_reported())
    assert found is not None
    assert found.status == "warning"
    assert (found.figures["yes"], found.figures["missing"], found.figures["expected"]) == (1, 1, 2)
    complete = _reported(
        results=[
            {"outcome_id": "o1", "achieved": "yes", "result": "Signed."},
            {"outcome_id": "o2", "achieved": "no", "result": "Postponed by the host."},
        ]
    )
    assert results(complete).status == "pass"  # type: ignore[union-attr]
    assert results(_state()) is None


def test_followups_done_open_overdue() -> None:
    state = _reported().model_copy(
        update={
            "followups": [
                Followup.model_validate(_followup("a", "done", "2026-04-01")),
                Followup.model_validate(_followup("b", "open", "2026-04-15")),
                Followup.model_validate(_followup("c", "in_progress", "2026-09-01")),
                Followup.model_validate(_followup("d", "dropped", "2026-04-01")),
            ]
        }
    )
    found = followups(state, TODAY, RULES)
    assert found is not None
    assert found.status == "warning"
    assert {k: found.figures[k] for k in ("done", "open", "overdue", "dropped")} == {
        "done": 1,
        "open": 1,
        "overdue": 1,
        "dropped": 1,
    }
    none = followups(_reported(), TODAY, RULES)
    assert none is not None
    assert (none.status, none.message) == ("warning", "followups.none")
    assert followups(_reported(), TODAY, Rules(require_followups=False)).status == "pass"  # type: ignore[union-attr]


def test_amendments_and_how_late_they_came() -> None:
    assert amendments(_state(), RULES).message == "amendments.none"
    early = {"index": 1, "type": "trip.amended", "occurred_at": "2026-02-01T10:00:00.000Z"}
    late = {"index": 2, "type": "trip.amended", "occurred_at": "2026-03-08T10:00:00.000Z"}
    found = amendments(
        _state(snapshot(departure=date(2026, 3, 10)), amendments=[early, late]), RULES
    )
    assert found is not None
    assert found.status == "warning"
    assert found.figures["count"] == 2
    assert found.figures["late"] == 1
    assert found.figures["latest_days_before"] == 2
    # A late correction of the report or the actual costs is no change of the plan.
    aftermath = {
        "index": 3,
        "type": "trip.corrected",
        "occurred_at": "2026-04-01T10:00:00.000Z",
        "changes": [
            {"field": "report.summary", "before": "a", "after": "b"},
            {"field": "actual_costs", "before": [], "after": []},
        ],
    }
    plan = {**aftermath, "changes": [{"field": "budget", "before": [], "after": []}]}
    trip = snapshot(departure=date(2026, 3, 10))
    later = amendments(_state(trip, amendments=[early, late, aftermath]), RULES)
    assert later.figures["count"] == 2
    replanned = amendments(_state(trip, amendments=[early, late, plan]), RULES)
    assert replanned.figures["late"] == 2


def test_a_trip_is_judged_by_every_rule_in_plain_words() -> None:
    lines = checklist(_reported(), {"USD": Decimal("400")}, TODAY, RULES, "es")
    keys = [line.key for line in lines]
    assert keys == [
        "notice",
        "agenda",
        "purpose",
        "sdg",
        "departments",
        "cost",
        "cofunded",
        "delegation",
        "report",
        "results",
        "followups",
        "amendments",
    ]
    sentences = {line.key: line.sentence for line in lines}
    assert sentences["notice"] == "Publicado 30 días antes de la salida (mínimo: 15)."
    assert sentences["cofunded"].startswith("25\xa0% lo pagan anfitriones o socios")
    assert "500,00\xa0US$" in sentences["cost"]
    assert "1,2 veces" in sentences["cost"]
    assert sentences["report"] == (
        "Informe presentado el 1 de abril de 2026, a tiempo (vencía el 12 de abril de 2026)."
    )
    assert {line.label for line in lines} <= {"Cumple", "Alerta"}


def test_a_cancelled_trip_owes_no_report() -> None:
    state = _state(cancelled={"reason": "Host postponed.", "occurred_at": "2026-03-01"})
    assert "report" not in [s.key for s in evaluate(state, {}, TODAY, RULES)]


def test_a_trip_whose_record_does_not_validate_is_judged_on_what_it_states() -> None:
    """No plan to judge notice, agenda, cost or delegation by: purpose, goals and
    departments read as not stated, and the report as not yet judged."""
    state = TripState(reference="MVD-2025-0007", title="Older flat record")
    found = {s.key: (s.status, s.message) for s in evaluate(state, {}, TODAY, RULES)}
    assert found == {
        "purpose": ("warning", "purpose.no_outcomes"),
        "sdg": ("warning", "sdg.warning"),
        "departments": ("warning", "departments.warning"),
        "amendments": ("pass", "amendments.none"),
    }
