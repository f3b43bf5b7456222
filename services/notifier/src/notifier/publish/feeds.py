"""JSON Feed 1.1 and Atom (RFC 4287): one item per ledger entry, linked to its trip.

Each item names its ledger index and links to the trip page (anchored at the
entry) and to the entry in the ledger, so a reader can check it. Alerts (a
report overdue, a follow-up date missed) are items too, placed after the entry
they were raised on.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from notifier.channels.models import Notice
from notifier.i18n.locale import Formats
from notifier.i18n.vocabulary import EVENT, FOLLOWUP
from notifier.i18n.words import words
from notifier.ingest.fold import Reading
from notifier.publish.models import LoggedEntry, TripState, TripView
from notifier.publish.present import summary
from notifier.publish.sentences import overdue_report
from periplus.events import utc_timestamp
from periplus.public import Followup, Money, Report, TripSnapshot

ATOM = "http://www.w3.org/2005/Atom"
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
"""What XML 1.0 forbids or discourages: control characters, lone surrogates, non-characters."""


@dataclass(frozen=True)
class Channel:
    """One feed: its title and where it lives (without the extension)."""

    title: str
    path: str


@dataclass(frozen=True)
class Item:
    index: int
    sub: int  # 0 for a ledger entry; n >= 1 for the n-th alert raised after it
    trip_id: str
    type: str
    occurred_at: str
    title: str
    content: str
    url: str
    ledger_url: str
    key: str = ""
    """An id of its own, for an item that is no ledger entry (a digest)."""


def items(
    base: str, entries: Sequence[LoggedEntry], trips: dict[str, TripView], lang: str
) -> list[Item]:
    out = []
    for e in entries:
        view = trips.get(e.trip_id)
        name = f"{view.reference}: {view.title}" if view and view.reference else e.trip_id
        out.append(
            Item(
                index=e.index,
                sub=0,
                trip_id=e.trip_id,
                type=e.type,
                occurred_at=e.occurred_at,
                title=f"{words(lang).coded(EVENT, e.type)} — {name}",
                content=_content(e, view, lang),
                url=f"{base}/trips/{e.trip_id}?lang={lang}#entry-{e.index}",
                ledger_url=f"{base}/v1/verify/entries?start={e.index}&end={e.index + 1}",
            )
        )
    return out


def alert_items(base: str, alerts: Sequence[Notice], lang: str) -> list[Item]:
    """Feed items for alerts; each links to its trip and to the entry it follows."""
    fmt, said = Formats(lang), words(lang)
    out = []
    for alert in alerts:
        body = alert.body
        due = fmt.date(body.get("due_date"))
        late = body.get("days_overdue") or 0
        if alert.type == "alert.report_overdue":
            content = overdue_report(said, late, due)
        else:
            followup = body.get("followup") or {}
            content = said.ngettext(
                "{commitment} ({owner}): due {due}, {count} day ago, not yet done.",
                "{commitment} ({owner}): due {due}, {count} days ago, not yet done.",
                late,
                commitment=followup.get("commitment", ""),
                owner=followup.get("owner_department", ""),
                due=due,
            )
        out.append(
            Item(
                index=alert.ledger_index,
                sub=alert.sub,
                trip_id=alert.trip_id,
                type=alert.type,
                occurred_at=utc_timestamp(alert.created_at),
                title=f"{said.coded(EVENT, alert.type)} — {body.get('reference', '')}: "
                f"{body.get('title', '')}",
                content=content,
                url=f"{base}/trips/{alert.trip_id}?lang={lang}",
                ledger_url=f"{base}/v1/verify/entries?start={alert.ledger_index}"
                f"&end={alert.ledger_index + 1}",
            )
        )
    return out


def newest_first(*groups: list[Item]) -> list[Item]:
    return sorted((i for g in groups for i in g), key=lambda i: (i.index, i.sub), reverse=True)


def _item_id(base: str, item: Item) -> str:
    if item.key:
        return f"{base}{item.key}"
    return f"{base}/log/{item.index}" + (f"/alert/{item.sub}" if item.sub else "")


def _content(entry: LoggedEntry, view: TripView | None, lang: str) -> str:
    """What the entry says, in the reader's words. Its data is read as the fold reads it,
    part by part: a part off the contract is left unsaid."""
    data, fmt, said = Reading(entry.type, entry.event.get("data")), Formats(lang), words(lang)
    if entry.type == "trip.approved" and view is not None:
        # The trip as the approval states it: the plan at that time, not as since amended.
        approved = data.part("trip", TripSnapshot) or view.state.trip
        parts = summary(TripState(trip=approved), lang, date.today())
    elif entry.type in ("trip.amended", "trip.corrected", "trip.cancelled"):
        parts = [data.text("reason")]
    elif entry.type in ("trip.change_pending", "trip.change_rejected"):
        parts = [f"{', '.join(data.names('fields'))}: {data.text('reason')}"]
    elif entry.type == "trip.completed":
        parts = [
            said.gettext(
                "After return, the actual cost was {total}, of which the city paid {city}.",
                total=fmt.money(data.part("actual_total", Money)),
                city=fmt.money(data.part("city_share", Money)),
            )
        ]
    elif entry.type == "trip.reported":
        report = data.part("report", Report)
        parts = [report.summary if report is not None else ""]
    elif entry.type == "followup.updated":
        followup = data.part("followup", Followup)
        status = said.coded(FOLLOWUP, followup.status if followup is not None else "open")
        parts = [f"{followup.commitment if followup is not None else ''} — {status}"]
    else:
        parts = []
    parts.append(f"{said.gettext('Entry')} {entry.index}.")
    return " ".join(p for p in parts if p)


def json_feed(
    base: str, site: str, channel: Channel, found: list[Item], lang: str
) -> dict[str, Any]:
    return {
        "version": "https://jsonfeed.org/version/1.1",
        "title": f"{site}: {channel.title}",
        "home_page_url": f"{base}/?lang={lang}",
        "feed_url": f"{base}{channel.path}.json",
        "language": words(lang).tag,
        "items": [
            {
                "id": _item_id(base, i),
                "url": i.url,
                "external_url": i.ledger_url,
                "title": i.title,
                "content_text": i.content,
                "date_published": i.occurred_at,
                "tags": [i.type],
                **(
                    {}
                    if i.key
                    else {
                        "_periplus": {
                            "trip_id": i.trip_id,
                            "ledger_index": i.index,
                            "type": i.type,
                            **({"alert": i.sub} if i.sub else {}),
                        }
                    }
                ),
            }
            for i in found
        ],
    }


def _xml(text: str) -> str:
    """``text`` without the characters an XML reader would refuse or a feed reader show as junk."""
    return NOT_XML.sub("", text)


def atom_feed(base: str, site: str, channel: Channel, found: list[Item], lang: str) -> bytes:
    feed = Element("feed", {"xmlns": ATOM, "xml:lang": words(lang).tag})
    SubElement(feed, "title").text = _xml(f"{site}: {channel.title}")
    SubElement(feed, "id").text = _xml(f"{base}{channel.path}.atom")
    SubElement(feed, "link", rel="self", href=_xml(f"{base}{channel.path}.atom"))
    SubElement(feed, "link", rel="alternate", href=f"{base}/?lang={lang}")
    SubElement(feed, "updated").text = found[0].occurred_at if found else "1970-01-01T00:00:00Z"
    author = SubElement(feed, "author")
    SubElement(author, "name").text = _xml(site)
    for i in found:
        item = SubElement(feed, "entry")
        SubElement(item, "id").text = _xml(_item_id(base, i))
        SubElement(item, "title").text = _xml(i.title)
        SubElement(item, "link", rel="alternate", href=_xml(i.url))
        SubElement(item, "link", rel="related", href=i.ledger_url)
        SubElement(item, "updated").text = _xml(i.occurred_at)
        SubElement(item, "summary").text = _xml(i.content)
        SubElement(item, "category", term=_xml(i.type))
    body: bytes = tostring(feed, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body
