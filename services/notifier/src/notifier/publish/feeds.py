"""JSON Feed 1.1 and Atom (RFC 4287): one item per ledger entry, linked to its trip.

Each item names its ledger index and links to the trip page (anchored at the
entry) and to the entry in the ledger, so a reader can check it.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from notifier.i18n.locale import Formats
from notifier.i18n.messages import text
from notifier.models import LoggedEntry, TripView
from notifier.publish.present import summary

ATOM = "http://www.w3.org/2005/Atom"


@dataclass(frozen=True)
class Channel:
    """One feed: its title and where it lives (without the extension)."""

    title: str
    path: str


@dataclass(frozen=True)
class Item:
    index: int
    trip_id: str
    type: str
    occurred_at: str
    title: str
    content: str
    url: str
    ledger_url: str


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
                trip_id=e.trip_id,
                type=e.type,
                occurred_at=e.occurred_at,
                title=f"{text(lang, f'event.{e.type}')} — {name}",
                content=_content(e, view, lang),
                url=f"{base}/trips/{e.trip_id}?lang={lang}#entry-{e.index}",
                ledger_url=f"{base}/v1/verify/entries?start={e.index}&end={e.index + 1}",
            )
        )
    return out


def _content(entry: LoggedEntry, view: TripView | None, lang: str) -> str:
    data: dict[str, Any] = entry.event.get("data") or {}
    fmt = Formats(lang)
    if entry.type == "trip.approved" and view is not None:
        approved = {"trip": data.get("trip") or view.data.get("trip") or {}}
        parts = summary(approved, lang, date.today())
    elif entry.type in ("trip.amended", "trip.corrected", "trip.cancelled"):
        parts = [str(data.get("reason") or "")]
    elif entry.type == "trip.completed":
        parts = [
            text(
                lang,
                "sum.actual",
                total=fmt.money(data.get("actual_total")),
                city=fmt.money(data.get("city_share")),
            )
        ]
    elif entry.type == "trip.reported":
        report = data.get("report") or {}
        parts = [str(report.get("summary") or "")]
    elif entry.type == "followup.updated":
        followup = data.get("followup") or {}
        status = text(lang, f"followup.{followup.get('status', 'open')}")
        parts = [f"{followup.get('commitment', '')} — {status}"]
    else:
        parts = []
    parts.append(f"{text(lang, 'col.index')} {entry.index}.")
    return " ".join(p for p in parts if p)


def json_feed(
    base: str, site: str, channel: Channel, found: list[Item], lang: str
) -> dict[str, Any]:
    return {
        "version": "https://jsonfeed.org/version/1.1",
        "title": f"{site}: {channel.title}",
        "home_page_url": f"{base}/?lang={lang}",
        "feed_url": f"{base}{channel.path}.json",
        "language": lang,
        "items": [
            {
                "id": f"{base}/log/{i.index}",
                "url": i.url,
                "external_url": i.ledger_url,
                "title": i.title,
                "content_text": i.content,
                "date_published": i.occurred_at,
                "tags": [i.type],
                "_periplus": {"trip_id": i.trip_id, "ledger_index": i.index, "type": i.type},
            }
            for i in found
        ],
    }


def atom_feed(base: str, site: str, channel: Channel, found: list[Item], lang: str) -> bytes:
    feed = Element("feed", {"xmlns": ATOM, "xml:lang": lang})
    SubElement(feed, "title").text = f"{site}: {channel.title}"
    SubElement(feed, "id").text = f"{base}{channel.path}.atom"
    SubElement(feed, "link", rel="self", href=f"{base}{channel.path}.atom")
    SubElement(feed, "link", rel="alternate", href=f"{base}/?lang={lang}")
    SubElement(feed, "updated").text = found[0].occurred_at if found else "1970-01-01T00:00:00Z"
    author = SubElement(feed, "author")
    SubElement(author, "name").text = site
    for i in found:
        item = SubElement(feed, "entry")
        SubElement(item, "id").text = f"{base}/log/{i.index}"
        SubElement(item, "title").text = i.title
        SubElement(item, "link", rel="alternate", href=i.url)
        SubElement(item, "link", rel="related", href=i.ledger_url)
        SubElement(item, "updated").text = i.occurred_at
        SubElement(item, "summary").text = i.content
        SubElement(item, "category", term=i.type)
    body: bytes = tostring(feed, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body
