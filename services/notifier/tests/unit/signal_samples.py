"""Figures for each checklist signal's message: none, one, many and negative where a
number may be, and the words a page shows for them."""

from datetime import date
from typing import Any

from notifier.i18n.locale import Formats

Samples = dict[str, list[dict[str, Any]]]


def _before_departure() -> Samples:
    """Notice, agenda, purpose, goals and departments: what is known before the trip."""
    counts = [{"count": n} for n in (0, 1, 2)]
    return {
        "notice.pass": [{"days": n, "minimum": 15, "justified": False} for n in (1, 15, 30)],
        "notice.warning": [{"days": n, "minimum": 15, "justified": False} for n in (0, 1, 7)],
        "notice.justified": [{"days": n, "minimum": 15, "justified": True} for n in (0, 1, 7)],
        "notice.after": [{"days": -n, "days_after": n, "minimum": 15} for n in (1, 12)],
        "agenda.pass": [{"days": 1, "with_agenda": 1, "share": 1.0, "minimum": 0.6}],
        "agenda.warning": [
            {"days": d, "with_agenda": w, "share": w / d, "minimum": 0.6}
            for d, w in ((1, 0), (7, 1), (7, 2))
        ],
        "purpose.pass": [{"purpose_chars": 80, "outcomes": n} for n in (1, 7)],
        "purpose.thin": [{"purpose_chars": n, "outcomes": 1} for n in (0, 1, 7)],
        "purpose.no_outcomes": [{"purpose_chars": 80, "outcomes": 0}],
        "sdg.pass": [{"targets": 1, "goals": 1, "list": ["11.3"]}],
        "sdg.warning": [{"targets": 0, "goals": 0, "list": []}],
        "departments.pass": [{**c, "minimum": 1} for c in counts[1:]],
        "departments.warning": [{**c, "minimum": 3} for c in counts],
    }


def _costs() -> Samples:
    """Cost, emissions, co-funding and the delegation's size."""
    return {
        "cost.pass": [{"per_day": 100, "median": 100, "ratio": 1.0, "maximum": 1.5}],
        "cost.warning": [{"per_day": 300, "median": 100, "ratio": 3.0, "maximum": 1.5}],
        "cost.alone": [{"per_day": 100, "median": 100}],
        "emissions.pass": [
            {"kg_per_day": n, "median_kg": 100, "ratio": n / 100, "maximum": 2.0}
            for n in (0, 1, 150)
        ],
        "emissions.warning": [{"kg_per_day": 700, "median_kg": 100, "ratio": 7.0, "maximum": 2.0}],
        "emissions.alone": [{"kg_per_day": n} for n in (0, 1, 7)],
        "cofunded.pass": [
            {"share": s, "city": 800, "others": 200, "minimum": m}
            for s, m in ((0.5, 0.2), (0.0, 0.0))
        ],
        "cofunded.warning": [
            {"share": s, "city": 1000, "others": 0, "minimum": 0.2} for s in (0.0, 0.1)
        ],
        "delegation.pass": [{"size": n, "maximum": 4} for n in (1, 2, 4)],
        "delegation.warning": [{"size": n, "maximum": m} for n, m in ((2, 1), (7, 4))],
    }


def _after_return() -> Samples:
    """The report, its results and follow-ups: what is known after the trip."""
    return {
        "report.on_time": [
            {"filed_on": date(2026, 4, 1), "due": date(2026, 4, 12), "late_days": 0}
        ],
        "report.late": [
            {"filed_on": date(2026, 4, 13), "due": date(2026, 4, 12), "late_days": n}
            for n in (1, 7)
        ],
        "report.overdue": [{"due": date(2026, 4, 12), "late_days": n} for n in (1, 7)],
        "report.pending": [{"due": date(2026, 4, 12)}],
        "results.pass": [
            {"yes": y, "partly": p, "no": n, "missing": 0, "expected": y + p + n}
            for y, p, n in ((1, 0, 0), (1, 1, 1), (7, 0, 1), (0, 2, 0))
        ],
        "results.warning": [
            {"yes": y, "partly": 0, "no": 0, "missing": m, "expected": e}
            for y, m, e in ((0, 0, 0), (0, 1, 1), (1, 7, 8))
        ],
        "followups.pass": [
            {"done": d, "open": o, "overdue": 0, "dropped": 0, "total": d + o}
            for d, o in ((1, 0), (1, 1), (7, 2))
        ],
        "followups.warning": [
            {"done": d, "open": 0, "overdue": o, "dropped": 1, "total": d + o + 1}
            for d, o in ((0, 1), (1, 7))
        ],
        "followups.none": [{"done": 0, "open": 0, "overdue": 0, "dropped": 0, "total": 0}],
    }


def _amendments() -> Samples:
    return {
        "amendments.none": [{"count": 0}],
        "amendments.pass": [
            {"count": c, "late": 0, "latest_days_before": d, "minimum": 7}
            for c, d in ((1, 30), (2, None), (7, 8))
        ],
        "amendments.warning": [
            {"count": c, "late": late, "latest_days_before": d, "minimum": m}
            for c, late, d, m in ((1, 1, -12, 7), (2, 1, 0, 1), (7, 7, 1, 7), (1, 1, -1, 7))
        ],
    }


def signal_samples() -> Samples:
    """Figures for each signal message: none, one, many and negative where a number may be."""
    return {**_before_departure(), **_costs(), **_after_return(), **_amendments()}


def shown(fmt: Formats, figures: dict[str, Any]) -> dict[str, str]:
    """``figures`` in the words a page shows them in."""
    shown = {}
    for name, value in figures.items():
        if isinstance(value, date):
            shown[name] = fmt.date(value)
        elif isinstance(value, float) and name in ("share", "minimum"):
            shown[name] = fmt.percent(value)
        elif isinstance(value, float):
            shown[name] = fmt.decimal1(value)
        elif isinstance(value, list):
            shown[name] = fmt.join([str(v) for v in value])
        elif isinstance(value, int) and not isinstance(value, bool):
            shown[name] = fmt.number(value)
        else:
            shown[name] = "" if value is None else str(value)
    return shown
