"""``/trips/{id}``: one trip in plain words, and its ledger entries each with a verify button."""

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from notifier import state as app_state
from notifier.deps import ReadingDep
from notifier.emissions import footprint
from notifier.i18n import vocabulary
from notifier.i18n.locale import Formats
from notifier.i18n.words import words
from notifier.ingest.service import WITHHELD
from notifier.publish import facts, flights, keys, present, repository
from notifier.publish.models import LoggedEntry, TripState
from notifier.publish.routes.common import (
    FEED_KINDS,
    Lang,
    Share,
    reader_lang,
    render,
    today,
    yearbook_of,
)
from periplus.errors import NotFoundError
from periplus.events import EVENT_TYPES
from periplus.public import FollowupStatus, TripSnapshot
from periplus.rules import followup_overdue

router = APIRouter(tags=["public"])

VERDICT_WORDS = (
    "checking",
    "ok",
    "fail",
    "warn",
    "witnesses",
    "no_witness",
    "source",
    "unsigned",
    "withheld",
    "matches",
    "differs",
    "missing",
    "pinned_set",
    "own_set",
    "own_saved",
    "own_forgotten",
    "own_in_use",
    "pinned_in_use",
    "unranged",
)
PLACEHOLDERS = ("index", "size", "origin", "reason", "witnesses", "source", "key_id", "keys")
VERDICT_PLACEHOLDERS = {p: f"{{{p}}}" for p in (*PLACEHOLDERS, "what", "shown", "signed")}
FOLLOWUP_STATUSES = tuple(s.value for s in FollowupStatus)


@router.get(
    "/trips/{trip_id}", response_class=HTMLResponse, summary="One trip and its ledger entries"
)
def trip_page(
    trip_id: str,
    request: Request,
    session: ReadingDep,
    lang: Lang = None,
) -> HTMLResponse:
    view = repository.trip(session, trip_id[:64])
    if view is None:
        raise NotFoundError("No published trip has this id.")
    reader = reader_lang(request, lang)
    settings, day = app_state.of(request.app).settings, today()
    state = view.state
    trip, completed = state.trip, state.completed
    fmt = Formats(reader)
    medians = yearbook_of(request, session, day).medians
    entries = list(repository.timeline(session, trip_id))
    summary = present.summary(state, reader, day)
    home = settings.home
    flown = footprint.of_trip(trip, home)
    return render(
        "trip.html",
        request,
        reader,
        share=Share(
            trip.title if trip is not None else view.title,
            " ".join(summary[:2]),
            f"{settings.public_url.rstrip('/')}/trips/{trip_id}/card.png?lang={reader}",
        ),
        view=view,
        trip=trip,
        state=state,
        summary=summary,
        checklist=present.checklist(
            state,
            medians,
            day,
            settings.checklist,
            reader,
            flown.per_traveller_day_kg if flown is not None else None,
        ),
        agenda=present.agenda(trip, reader),
        budget=present.costs(trip.budget if trip is not None else [], reader),
        budget_total=fmt.money(trip.budget_total if trip is not None else None),
        city_share=fmt.money(trip.city_share if trip is not None else None),
        reporting=trip.budget_total.currency if trip is not None else "",
        actual=present.costs(completed.actual_costs if completed is not None else [], reader),
        actual_total=fmt.money(completed.actual_total if completed is not None else None),
        actual_city=fmt.money(completed.city_share if completed is not None else None),
        in_kind=_in_kind(trip, fmt),
        results=_results(state, reader),
        documents=state.report.documents if state.report is not None else [],
        followups=_followups(state, day, reader, fmt),
        shown=_shown(entries, state, reader),
        timeline=[_timeline_row(e, reader) for e in entries],
        status_label=words(reader).coded(vocabulary.STATUS, view.status),
        feed_kinds=FEED_KINDS,
        keys=keys.page_keys(
            app_state.of(request.app).trust, app_state.of(request.app).ingestor.log_keys.seen
        ),
        flights=flights.trip(flown, home, reader) if flown and home else None,
        words=verify_words(reader),
    )


def _in_kind(trip: TripSnapshot | None, fmt: Formats) -> list[dict[str, str]]:
    return [
        {"giver": k.giver, "description": k.description, "value": fmt.money(k.estimated_value)}
        for k in (trip.in_kind if trip is not None else [])
    ]


def _results(state: TripState, reader: str) -> list[dict[str, str]]:
    """The report's results, each beside the expected outcome it answers."""
    if state.report is None:
        return []
    expected = state.trip.expected_outcomes if state.trip is not None else []
    outcome_text = {o.id: o.text for o in expected}
    return [
        {
            "outcome": outcome_text.get(r.outcome_id, r.outcome_id),
            "achieved": words(reader).coded(vocabulary.ACHIEVED, r.achieved),
            "result": r.result,
        }
        for r in state.report.results
    ]


def _followups(state: TripState, day: date, reader: str, fmt: Formats) -> list[dict[str, str]]:
    """The follow-ups, a pending one past its date shown as overdue."""
    said = words(reader)
    return [
        {
            "commitment": f.commitment,
            "owner": f.owner_department,
            "due": fmt.date(f.due_date, "medium"),
            "status": said.coded(
                vocabulary.FOLLOWUP,
                "overdue" if followup_overdue(f.status, f.due_date, day) else f.status,
            ),
            "evidence": f.evidence or "",
        }
        for f in state.followups
    ]


def _shown(entries: list[LoggedEntry], state: TripState, reader: str) -> dict[str, Any]:
    """The headline facts, each naming the signed entry it was read from; a fact is
    compared with the signed bytes, so it is read from the state as JSON."""
    origin = facts.sources(entries)
    trip = state.trip.model_dump(mode="json") if state.trip is not None else {}
    completed = state.completed.model_dump(mode="json") if state.completed is not None else {}
    snapshot = {"data": {"trip": trip}}
    return {
        "title": facts.fact("title", snapshot, reader, origin.get("trip")),
        "budget_total": facts.fact("budget_total", snapshot, reader, origin.get("trip")),
        "actual_total": facts.actual_total(entries, completed, reader, origin.get("completed")),
    }


def _timeline_row(entry: LoggedEntry, lang: str) -> dict[str, Any]:
    row: dict[str, Any] = {
        "index": entry.index,
        "type": entry.type,
        "headline": words(lang).coded(vocabulary.EVENT, entry.type),
        "when": present.when(entry.occurred_at, lang),
        "occurred_at": entry.occurred_at,
    }
    held = entry.event.get(WITHHELD)
    if held is not None:
        # A withheld entry's bytes are gone: only the ledger's reason is left to show.
        reason = held.get("reason") if isinstance(held, dict) else None
        return {**row, "reason": str(reason or ""), "facts": []}
    return {
        **row,
        "kind": facts.fact("type", entry.event, lang),
        "trip": facts.fact("trip_id", entry.event, lang),
        "time": facts.fact("occurred_at", entry.event, lang),
        "facts": facts.of_entry(entry, lang),
    }


def verify_words(lang: str) -> dict[str, Any]:
    """The verdicts' words in the reader's language, with placeholders left for the script."""
    said = words(lang)
    found: dict[str, Any] = {
        key: said.word(vocabulary.VERIFY[key], **VERDICT_PLACEHOLDERS) for key in VERDICT_WORDS
    }
    found["types"] = {
        t: said.word(vocabulary.EVENT[t]) for t in EVENT_TYPES if t in vocabulary.EVENT
    }
    found["followup"] = {s: said.word(vocabulary.FOLLOWUP[s]) for s in FOLLOWUP_STATUSES}
    found["reasons"] = {key: said.word(message) for key, message in vocabulary.REASONS.items()}
    found["quotes"] = [said.word(mark) for mark in vocabulary.QUOTES]
    return found
