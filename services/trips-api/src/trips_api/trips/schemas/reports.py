"""What clients send after a trip: its report, its follow-ups and their corrections."""

from typing import Any, Literal

from pydantic import ConfigDict, Field, field_validator
from pydantic.json_schema import SkipJsonSchema

from periplus.public import FollowupStatus
from trips_api.fields import Code, Day, LongText, Name, Url
from trips_api.trips import examples
from trips_api.trips.schemas.requests import Incoming, OutcomeId


class ResultIn(Incoming):
    outcome_id: OutcomeId
    achieved: Literal["yes", "partly", "no"]
    result: LongText


class DocumentIn(Incoming):
    title: Name
    url: Url


class FollowupIn(Incoming):
    commitment: LongText
    owner_department: Code
    due_date: Day
    status: FollowupStatus = FollowupStatus.OPEN
    evidence: LongText | None = None


class ReportBody(Incoming):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [examples.REPORT]})

    summary: LongText = Field(description="What was done.")
    results: list[ResultIn] = Field(
        max_length=50, description="One result for each expected outcome."
    )
    documents: list[DocumentIn] = Field(default_factory=list, max_length=50)
    followups: list[FollowupIn] = Field(default_factory=list, max_length=100)


class FollowupUpdate(Incoming):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [examples.FOLLOWUP]})

    # Left out, they stay; a follow-up has always a status and a due date, so null is refused.
    status: FollowupStatus | SkipJsonSchema[None] = None
    evidence: LongText | None = None
    due_date: Day | SkipJsonSchema[None] = None
    note: LongText | None = Field(
        default=None, description="Why, for the history; required when `due_date` changes."
    )

    @field_validator("status", "due_date", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be left out, not null")
        return value


class ReportPatch(Incoming):
    """Parts of the report to replace; those left out stay as filed."""

    summary: LongText | None = None
    results: list[ResultIn] | None = Field(default=None, max_length=50)
    documents: list[DocumentIn] | None = Field(default=None, max_length=50)

    def given(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True, exclude_none=True)


class ReportCorrection(Incoming):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [examples.REPORT_CORRECTION]}
    )

    changes: ReportPatch
    reason: LongText


class FollowupPatch(Incoming):
    """What a follow-up commits to, as it should have been recorded."""

    commitment: LongText | None = None
    owner_department: Code | None = None
    due_date: Day | None = None

    def given(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True, exclude_none=True)


class FollowupCorrection(Incoming):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [examples.FOLLOWUP_CORRECTION]}
    )

    changes: FollowupPatch
    reason: LongText


class FollowupsAddition(Incoming):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [examples.FOLLOWUPS_ADDITION]}
    )

    followups: list[FollowupIn] = Field(min_length=1, max_length=100)
    reason: LongText = Field(description="Why they come after the report.")
