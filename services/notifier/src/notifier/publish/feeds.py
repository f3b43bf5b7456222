"""JSON Feed 1.1 and Atom (RFC 4287): one item per ledger entry, linked to its trip."""

from collections.abc import Sequence
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from notifier.models import LoggedEntry, TripView

HEADLINES = {
    "trip.approved": "Trip approved",
    "trip.amended": "Trip amended",
    "trip.cancelled": "Trip cancelled",
    "trip.completed": "Trip completed",
    "trip.reported": "Trip report published",
    "trip.closed": "Trip closed",
    "trip.corrected": "Trip record corrected",
    "followup.updated": "Follow-up updated",
}


def _title(entry: LoggedEntry, trips: dict[str, TripView]) -> str:
    view = trips.get(entry.trip_id)
    name = f"{view.reference}: {view.title}" if view else entry.trip_id
    return f"{HEADLINES.get(entry.type, entry.type)} — {name}"


def _summary(entry: LoggedEntry) -> str:
    data = entry.event.get("data") or {}
    where = data.get("destination") or {}
    parts = [str(data.get("purpose", "")).strip()]
    if where:
        parts.append(f"Destination: {where.get('city', '')}, {where.get('country', '')}.")
    if data.get("departure_date"):
        parts.append(f"Dates: {data['departure_date']} to {data.get('return_date', '')}.")
    parts.append(f"Ledger entry {entry.index}.")
    return " ".join(p for p in parts if p)


def json_feed(
    base: str, site: str, entries: Sequence[LoggedEntry], trips: dict[str, TripView]
) -> dict[str, Any]:
    return {
        "version": "https://jsonfeed.org/version/1.1",
        "title": f"{site}: officials' foreign trips",
        "home_page_url": f"{base}/",
        "feed_url": f"{base}/feed.json",
        "language": "en",
        "items": [
            {
                "id": f"{base}/log/{e.index}",
                "url": f"{base}/trips/{e.trip_id}",
                "title": _title(e, trips),
                "content_text": _summary(e),
                "date_published": e.occurred_at,
                "tags": [e.type],
                "_periplus": {"trip_id": e.trip_id, "ledger_index": e.index, "type": e.type},
            }
            for e in entries
        ],
    }


def atom_feed(
    base: str, site: str, entries: Sequence[LoggedEntry], trips: dict[str, TripView]
) -> bytes:
    ns = "http://www.w3.org/2005/Atom"
    feed = Element("feed", xmlns=ns)
    SubElement(feed, "title").text = f"{site}: officials' foreign trips"
    SubElement(feed, "id").text = f"{base}/feed.atom"
    SubElement(feed, "link", rel="self", href=f"{base}/feed.atom")
    SubElement(feed, "link", rel="alternate", href=f"{base}/")
    SubElement(feed, "updated").text = entries[0].occurred_at if entries else "1970-01-01T00:00:00Z"
    for e in entries:
        item = SubElement(feed, "entry")
        SubElement(item, "id").text = f"{base}/log/{e.index}"
        SubElement(item, "title").text = _title(e, trips)
        SubElement(item, "link", rel="alternate", href=f"{base}/trips/{e.trip_id}")
        SubElement(item, "updated").text = e.occurred_at
        SubElement(item, "author").append(_name(site))
        SubElement(item, "summary").text = _summary(e)
        SubElement(item, "category", term=e.type)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + tostring(
        feed, encoding="utf-8", xml_declaration=False
    )


def _name(site: str) -> Element:
    name = Element("name")
    name.text = site
    return name
