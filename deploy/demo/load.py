"""Load the demo trips through the trips API's public HTTP interface, as a city system would.

Every request carries an Idempotency-Key derived from the trip, the step and the
day, so running the loader twice on the same day changes nothing.
"""

import argparse
import hashlib
import os
import sys
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx

from deploy.demo.data import DEPARTMENTS, TRIPS, Trip

# Euros per unit, for demo amounts in local currencies (rounded, fixed for reproducibility).
EUR_PER_UNIT = {
    "EUR": Decimal("1"),
    "USD": Decimal("0.92"),
    "BRL": Decimal("0.17"),
    "MXN": Decimal("0.05"),
    "COP": Decimal("0.00023"),
    "KRW": Decimal("0.00068"),
    "UYU": Decimal("0.022"),
    "ARS": Decimal("0.001"),
}
RETROACTIVE = (
    "Published retroactively: the trip took place before the city began publishing its "
    "foreign trips in this register."
)


class Loader:
    def __init__(
        self, url: str, admin_key: str, approval_key: str, currency: str, today: date
    ) -> None:
        self.http = httpx.Client(base_url=url.rstrip("/"), timeout=30)
        self.admin, self.approval = admin_key, approval_key
        self.currency, self.today = currency, today
        self.keys: dict[str, str] = {}

    def call(
        self,
        method: str,
        path: str,
        key: str,
        body: dict[str, Any],
        step: str,
        ok: tuple[int, ...] = (),
    ) -> dict[str, Any]:
        idem = hashlib.sha256(f"{self.today}:{step}".encode()).hexdigest()[:32]
        headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": idem}
        answer = self.http.request(method, path, json=body, headers=headers)
        if answer.status_code >= 400 and answer.status_code not in ok:
            raise SystemExit(
                f"{method} {path} ({step}) answered {answer.status_code}: {answer.text}"
            )
        return dict(answer.json()) if answer.content else {}

    def prepare(self) -> None:
        for code, name in DEPARTMENTS.items():
            self.call(
                "POST",
                "/v1/departments",
                self.admin,
                {"code": code, "name": name},
                f"department:{code}",
                ok=(409,),
            )
        # Each role its own holder: four eyes compares holders; and the approver's key
        # another authority's, as four eyes refuses keys that one admin key minted both.
        for role, scope, minter in (
            ("writer", "trips:write", self.admin),
            ("approver", "trips:approve", self.approval),
            ("reporter", "trips:report", self.admin),
        ):
            made = self.call(
                "POST",
                "/v1/keys",
                minter,
                {"name": f"demo {role}", "holder": f"demo {role}", "scopes": [scope]},
                f"key:{role}:{os.getpid()}",
            )
            self.keys[role] = str(made["key"])

    def retire(self, *, admin: bool) -> None:
        """Revoke the keys the load made (and, with ``admin``, the two admin keys it was
        given, its own last): a demo leaves no key behind that could still write."""
        keys = [*self.keys.values(), *([self.approval, self.admin] if admin else [])]
        for key in keys:
            key_id = key.split("_")[1]
            self.call("POST", f"/v1/keys/{key_id}/revoke", self.admin, {}, f"revoke:{key_id}")

    def existing_titles(self) -> set[str]:
        """Titles already recorded, so that a second run adds only what is missing."""
        titles: set[str] = set()
        cursor: str | None = "0"
        while cursor is not None:
            answer = self.http.get(
                "/v1/trips",
                params={"cursor": cursor, "limit": 200},
                headers={"Authorization": f"Bearer {self.admin}"},
            )
            answer.raise_for_status()
            page = answer.json()
            titles.update(str(t["title"]) for t in page["trips"])
            cursor = page["next_cursor"]
        return titles

    def day(self, offset: int) -> str:
        return (self.today + timedelta(days=offset)).isoformat()

    def money(self, amount: str, currency: str, factor: Decimal = Decimal(1)) -> dict[str, Any]:
        value = (Decimal(amount) * factor).quantize(
            Decimal("0.01") if "." in amount else Decimal(1)
        )
        item: dict[str, Any] = {"amount": {"amount": str(value), "currency": currency}}
        if currency != self.currency:
            rate = EUR_PER_UNIT[currency] / EUR_PER_UNIT[self.currency]
            item["exchange_rate"] = str(rate.quantize(Decimal("0.000001")).normalize())
            item["rate_date"] = self.day(0)
        return item

    def body(self, trip: Trip) -> dict[str, Any]:
        start, legs, day = trip.start, [], trip.start
        for country, city, nights in trip.legs:
            legs.append(
                {
                    "country": country,
                    "city": city,
                    "arrive": self.day(day),
                    "depart": self.day(day + nights),
                }
            )
            day += nights
        return {
            "title": trip.title,
            "purpose": trip.purpose,
            "category": trip.category,
            "host_organisation": trip.host,
            "networks": trip.networks,
            "departure_date": self.day(start),
            "return_date": self.day(day),
            "itinerary": legs,
            "travellers": [
                {"name": n, "position": p, "elected": e, "name_public": public}
                for n, p, e, public in trip.travellers
            ],
            "delegation_size": len(trip.travellers),
            "lead_department": trip.lead,
            "departments": trip.departments,
            "sdg_goals": trip.goals,
            "sdg_targets": trip.targets,
            "agenda": [
                {
                    "date": self.day(start + d),
                    "time": t,
                    "kind": k,
                    "title": title,
                    "counterpart": who or None,
                    "topic": topic or None,
                }
                for d, t, k, title, who, topic in trip.agenda
            ],
            "expected_outcomes": [
                {"id": f"o{n}", "text": text} for n, text in enumerate(trip.outcomes, 1)
            ],
            "budget": [
                {"category": c, "payer": p, "payer_name": name, **self.money(a, cur)}
                for c, p, name, a, cur in trip.budget
            ],
            "in_kind": [
                {
                    "giver": g,
                    "description": d,
                    "estimated_value": {"amount": a, "currency": cur},
                    **({k: v for k, v in self.money(a, cur).items() if k != "amount"}),
                }
                for g, d, a, cur in trip.in_kind
            ],
        }

    def load(self, trip: Trip) -> str:
        """Take one trip as far as its story goes, each step as the city's staff would."""
        writer, approver, reporter = (self.keys[r] for r in ("writer", "approver", "reporter"))
        created = self.call("POST", "/v1/trips", writer, self.body(trip), f"{trip.code}:create")
        path = f"/v1/trips/{created['id']}"
        self.call("POST", f"{path}/submit", writer, {}, f"{trip.code}:submit")
        approval: dict[str, Any] = {}
        if trip.start < 0:
            approval["urgency_justification"] = RETROACTIVE
        elif trip.story == "urgent":
            approval["urgency_justification"] = trip.reason
        self.call("POST", f"{path}/approve", approver, approval, f"{trip.code}:approve")
        if trip.story in ("amended", "corrected"):
            self.change(trip, path)
        if trip.story == "cancelled":
            self.call(
                "POST", f"{path}/cancel", writer, {"reason": trip.reason}, f"{trip.code}:cancel"
            )
        if trip.story in ("completed", "reported", "closed"):
            self.complete(trip, path)
        if trip.story in ("reported", "closed"):
            self.report(trip, path)
        if trip.story == "closed":
            self.call("POST", f"{path}/close", reporter, {}, f"{trip.code}:close")
        return str(created.get("reference", created["id"]))

    def change(self, trip: Trip, path: str) -> None:
        """An amendment or a correction; one that waits for another holder gets approved."""
        verb = "amend" if trip.story == "amended" else "correct"
        changed = self.call(
            "POST",
            f"{path}/{verb}",
            self.keys["writer"],
            {"changes": trip.change, "reason": trip.reason},
            f"{trip.code}:{verb}",
        )
        if changed.get("pending_change"):  # travellers, dates or costs: another holder
            self.call(
                "POST", f"{path}/change/approve", self.keys["approver"], {}, f"{trip.code}:change"
            )

    def complete(self, trip: Trip, path: str) -> None:
        """The actual costs: as budgeted, airfares a little cheaper."""
        actual = [
            {
                "category": c,
                "payer": p,
                "payer_name": name,
                **self.money(a, cur, Decimal("0.96") if c == "airfare" else Decimal(1)),
            }
            for c, p, name, a, cur in trip.budget
        ]
        self.call(
            "POST",
            f"{path}/complete",
            self.keys["reporter"],
            {"actual_costs": actual},
            f"{trip.code}:complete",
        )

    def report(self, trip: Trip, path: str) -> None:
        """The report with its follow-ups, then each follow-up's progress since."""
        reporter = self.keys["reporter"]
        report = {
            "summary": trip.summary,
            "results": [
                {"outcome_id": f"o{n}", "achieved": a, "result": r}
                for n, (a, r) in enumerate(trip.results, 1)
            ],
            "documents": [
                {
                    "title": "Trip report (PDF)",
                    "url": f"https://example.org/reports/{trip.code}.pdf",
                }
            ],
            "followups": [
                {"commitment": c, "owner_department": o, "due_date": self.day(due)}
                for c, o, due, _, _ in trip.followups
            ],
        }
        self.call("POST", f"{path}/report", reporter, report, f"{trip.code}:report")
        for n, (_, _, _, status, evidence) in enumerate(trip.followups, 1):
            if status != "open":
                update = {
                    "status": status,
                    "evidence": evidence,
                    "note": "Updated by the owner department.",
                }
                self.call(
                    "PATCH", f"{path}/followups/f{n}", reporter, update, f"{trip.code}:followup:{n}"
                )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="demo", description=__doc__)
    default_url = f"http://127.0.0.1:{os.environ.get('TRIPS_PORT', '8001')}"
    parser.add_argument("--trips-url", default=os.environ.get("TRIPS_URL", default_url))
    parser.add_argument(
        "--admin-key",
        default=os.environ.get("TRIPS_ADMIN_KEY"),
        help="an admin key of the trips API (`trips-api keys create --scopes admin`)",
    )
    parser.add_argument(
        "--approval-key",
        default=os.environ.get("TRIPS_APPROVAL_KEY"),
        help="an admin key of another authority, made apart from --admin-key (a second "
        "`trips-api keys create --scopes admin`), that makes the demo's approve key: four "
        "eyes refuses an approval by a key minted by the admin key that minted the writer's",
    )
    parser.add_argument(
        "--revoke-admin-key",
        action="store_true",
        help="revoke both admin keys at the end too (ones made for this load alone)",
    )
    parser.add_argument(
        "--currency",
        default=os.environ.get("TRIPS_REPORTING_CURRENCY", "EUR"),
        help="the trips API's reporting currency",
    )
    args = parser.parse_args(argv)
    if not args.admin_key:
        parser.error("an admin key is needed: --admin-key or TRIPS_ADMIN_KEY")
    if not args.approval_key:
        parser.error(
            "an approval authority's admin key is needed: --approval-key or TRIPS_APPROVAL_KEY"
        )
    if args.currency not in EUR_PER_UNIT:
        parser.error(f"the demo knows rates for {', '.join(EUR_PER_UNIT)}")
    loader = Loader(args.trips_url, args.admin_key, args.approval_key, args.currency, date.today())
    loader.prepare()
    known = loader.existing_titles()
    loaded = 0
    for trip in TRIPS:
        if trip.title in known:
            print(f"{'(already there)':<16}{trip.title}")
            continue
        print(f"{loader.load(trip):<16}{trip.story:<10} {trip.title}")
        loaded += 1
    loader.retire(admin=args.revoke_admin_key)
    print(f"{loaded} trips loaded through {args.trips_url}; see the public pages.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
