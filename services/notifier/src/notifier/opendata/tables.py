"""The open-data tables: one row per trip, cost line, expected outcome, follow-up, signal.

Each table is described once (its fields, their types and meaning, its key),
and that description makes the Data Package's table schema, the CSV header
and the JSON Lines keys, so the three cannot drift apart. Rows are read from
the public read model only (``opendata.rows``): what the pages show, as verified
from the ledger.
"""

from dataclasses import dataclass
from typing import Any

from notifier.opendata import rows
from notifier.opendata.rows import Rows


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # a Frictionless Table Schema type: string, integer, number, date, boolean
    description: str
    required: bool = False
    enum: tuple[str, ...] = ()

    def schema(self) -> dict[str, Any]:
        field: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "description": self.description,
        }
        constraints: dict[str, Any] = {}
        if self.required:
            constraints["required"] = True
        if self.enum:
            constraints["enum"] = list(self.enum)
        if constraints:
            field["constraints"] = constraints
        return field


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    rows: Rows

    def schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {
            "fields": [column.schema() for column in self.columns],
            "primaryKey": list(self.key),
        }
        if self.name != "trips":
            schema["foreignKeys"] = [
                {"fields": ["trip_id"], "reference": {"resource": "trips", "fields": ["trip_id"]}}
            ]
        return schema


TRIP_ID = Column("trip_id", "string", "The trip's id in the ledger's entries.", required=True)
REFERENCE = Column("reference", "string", "The city's reference, e.g. CITY-2026-0042.")


TABLES = {
    table.name: table
    for table in (
        Table(
            "trips",
            "Trips",
            "One row per approved trip: where, when, who, why, what it cost and who paid, "
            "as the ledger's entries state it now.",
            (
                TRIP_ID,
                REFERENCE,
                Column("title", "string", "The trip's title."),
                Column(
                    "status",
                    "string",
                    "Where the trip is in its life cycle.",
                    enum=("approved", "cancelled", "completed", "reported", "closed"),
                ),
                Column("category", "string", "The kind of trip (summit, network, twinning...)."),
                Column("purpose", "string", "Why the city goes, in its own words."),
                Column("host_organisation", "string", "Who invites or hosts."),
                Column(
                    "countries", "string", "ISO 3166-1 alpha-2 codes of the legs, `;`-separated."
                ),
                Column("cities", "string", "The cities of the legs, `;`-separated."),
                Column("departure_date", "date", "The day of departure."),
                Column("return_date", "date", "The day of return."),
                Column(
                    "days_abroad",
                    "integer",
                    "Days from departure to return, both counted; empty where the return is "
                    "stated before the departure.",
                ),
                Column("lead_department", "string", "The code of the department that leads."),
                Column(
                    "departments", "string", "Codes of every department involved, `;`-separated."
                ),
                Column(
                    "sdg_goals", "string", "Sustainable Development Goals (1-17), `;`-separated."
                ),
                Column("sdg_targets", "string", "SDG targets, e.g. 11.2, `;`-separated."),
                Column("delegation_size", "integer", "People travelling."),
                Column(
                    "elected_travellers", "integer", "Elected officials among the named travellers."
                ),
                Column("currency", "string", "The city's reporting currency (ISO 4217)."),
                Column("budget_total", "number", "The planned cost, in the reporting currency."),
                Column("city_share", "number", "The part of it the city pays."),
                Column("paid_by_others", "number", "The part hosts, networks and partners pay."),
                Column("in_kind_value", "number", "Estimated value of what was given in kind."),
                Column("actual_total", "number", "The actual cost after return, once stated."),
                Column("approved_on", "date", "The day the trip was approved."),
                Column("days_notice", "integer", "Days from approval to departure."),
                Column("report_due", "date", "The day the report is due."),
                Column("report_filed_on", "date", "The day the report was filed, once filed."),
                Column(
                    "flight_km",
                    "integer",
                    "Great-circle kilometres flown by each traveller: from the city to each "
                    "destination in order and back. Empty where the city's location is not set.",
                ),
                Column(
                    "co2e_kg_per_traveller",
                    "integer",
                    "Estimated flight emissions of one traveller, kg CO2e (DESNZ 2025 factors "
                    "by distance band, with radiative forcing; the site's /emissions page).",
                ),
                Column("co2e_kg", "integer", "Estimated flight emissions of the whole delegation."),
                Column(
                    "co2e_kg_per_traveller_day",
                    "integer",
                    "One traveller's estimated kg CO2e over the trip's days: the figure the "
                    "checklist weighs against the city's median.",
                ),
                Column(
                    "co2e_at_capital",
                    "string",
                    "Destinations the gazetteer does not know, measured to their country's "
                    "capital instead, `;`-separated.",
                ),
                Column(
                    "co2e_unlocated",
                    "string",
                    "Destinations in a country the gazetteer does not know, left out of the "
                    "estimate, `;`-separated.",
                ),
                Column("page", "string", "The trip's public page, with its ledger entries."),
            ),
            ("trip_id",),
            rows.trips,
        ),
        Table(
            "costs",
            "Cost lines",
            "Every planned and actual cost line of every trip, with its payer.",
            (
                TRIP_ID,
                Column(
                    "stage",
                    "string",
                    "Planned at approval, or actual after return.",
                    True,
                    ("planned", "actual"),
                ),
                Column("line", "integer", "The line's place in its list, from 1.", required=True),
                Column("category", "string", "Travel, lodging, subsistence, registration..."),
                Column("payer", "string", "Who pays: the city, the host, a network, a partner..."),
                Column("payer_name", "string", "The budget line, host or grant, where named."),
                Column("amount", "number", "The amount in its own currency."),
                Column("currency", "string", "Its currency (ISO 4217)."),
                Column(
                    "reporting_amount", "number", "The amount in the city's reporting currency."
                ),
                Column("reporting_currency", "string", "The reporting currency (ISO 4217)."),
                Column("exchange_rate", "number", "Reporting units per unit of the amount."),
                Column("rate_date", "date", "The date of the exchange rate."),
            ),
            ("trip_id", "stage", "line"),
            rows.costs,
        ),
        Table(
            "outcomes",
            "Expected outcomes and results",
            "What each trip set out to achieve and, once reported, whether it did.",
            (
                TRIP_ID,
                Column("outcome_id", "string", "The outcome's id within the trip.", required=True),
                Column("expected", "string", "The outcome expected before departure."),
                Column(
                    "achieved",
                    "string",
                    "Whether it was achieved, once reported.",
                    enum=("yes", "partly", "no"),
                ),
                Column("result", "string", "What came of it, in the report's words."),
            ),
            ("trip_id", "outcome_id"),
            rows.outcomes,
        ),
        Table(
            "followups",
            "Follow-up commitments",
            "What the city committed to after each trip, who owns it, when, and how it stands.",
            (
                TRIP_ID,
                Column(
                    "followup_id", "string", "The commitment's id within the trip.", required=True
                ),
                Column("commitment", "string", "What the city will do."),
                Column("owner_department", "string", "The code of the department that owns it."),
                Column("due_date", "date", "When it is due."),
                Column("status", "string", "Where it stands."),
                Column("evidence", "string", "What shows it done, once stated."),
            ),
            ("trip_id", "followup_id"),
            rows.followups,
        ),
        Table(
            "signals",
            "Checklist signals",
            "How each trip meets the city's checklist (notice, agenda, outcomes, cost, flight "
            "emissions, report, follow-ups): the same judgement the trip's page shows.",
            (
                TRIP_ID,
                Column(
                    "signal",
                    "string",
                    "The checklist item; emissions only where the city's location is set.",
                    True,
                    (
                        "notice",
                        "agenda",
                        "purpose",
                        "sdg",
                        "departments",
                        "cost",
                        "cofunded",
                        "emissions",
                        "delegation",
                        "report",
                        "results",
                        "followups",
                        "amendments",
                    ),
                ),
                Column(
                    "status",
                    "string",
                    "How the trip meets it.",
                    True,
                    ("pass", "warning", "pending"),
                ),
                Column("message_key", "string", "The key of its sentence in the site's languages."),
            ),
            ("trip_id", "signal"),
            rows.signals,
        ),
    )
}
