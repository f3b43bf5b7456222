"""The thresholds behind each signal; an operator sets them with ``NOTIFIER_CHECKLIST``.

``NOTIFIER_CHECKLIST='{"min_notice_days": 21}'`` overrides one and keeps the rest.

- ``min_notice_days``: a trip disclosed fewer days than this before departure is flagged.
- ``min_agenda_share``: the share of travel days that must carry an official agenda item
  (meetings, visits, sessions, speeches; travel and free time do not count).
- ``min_purpose_chars``: a purpose shorter than this is too thin to judge the trip by.
- ``max_cost_ratio``: cost per traveller-day above this multiple of the city's own median
  is flagged (the median over every published trip in the same reporting currency).
- ``min_cofunded_share``: the share paid by hosts, partners or grants below which the
  trip is flagged as paid (almost) wholly by the city.
- ``max_delegation``: delegations larger than this are flagged.
- ``min_departments``: how many departments a trip should involve.
- ``late_amendment_days``: an amendment fewer days than this before departure (or after
  it) is flagged as late.
- ``require_followups``: whether a report without any follow-up commitment is flagged.
- ``max_emissions_ratio``: estimated flight emissions per traveller-day above this multiple
  of the city's own median are flagged (see ``notifier.emissions``); the trip flew far for
  the days it spent, which the cost ratio alone does not show when hosts pay the fare.
"""

from pydantic import BaseModel, ConfigDict, Field

from periplus.rules import URGENCY_DAYS


class Rules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    min_notice_days: int = Field(default=URGENCY_DAYS, ge=0, le=365)
    min_agenda_share: float = Field(default=0.6, ge=0, le=1)
    min_purpose_chars: int = Field(default=40, ge=0, le=2000)
    max_cost_ratio: float = Field(default=1.5, gt=0, le=100)
    min_cofunded_share: float = Field(default=0.2, ge=0, le=1)
    max_delegation: int = Field(default=4, ge=1, le=1000)
    min_departments: int = Field(default=1, ge=0, le=50)
    late_amendment_days: int = Field(default=7, ge=0, le=365)
    require_followups: bool = True
    max_emissions_ratio: float = Field(default=3.0, gt=0, le=100)
