"""The rules shared by trips-api and the notifier, and the status vocabulary they use."""

from datetime import date

from periplus import public, rules
from periplus.public import FollowupStatus, TripStatus

TODAY = date(2026, 11, 30)


def test_statuses_are_their_wire_strings() -> None:
    assert [s.value for s in TripStatus] == [
        "draft",
        "submitted",
        "approved",
        "completed",
        "reported",
        "closed",
        "cancelled",
    ]
    followup = public.Followup(
        id="f1", commitment="c", owner_department="d", due_date=TODAY, status="in_progress"
    )
    assert followup.status is FollowupStatus.IN_PROGRESS
    assert followup.model_dump(mode="json")["status"] == "in_progress"


def test_an_approval_is_at_short_notice_below_the_minimum() -> None:
    assert rules.short_notice(14)
    assert not rules.short_notice(rules.URGENCY_DAYS)
    assert rules.short_notice(-2)  # approved after departure
    assert not rules.short_notice(3, minimum=0)


def test_a_report_is_overdue_only_while_it_is_still_owed() -> None:
    yesterday = date(2026, 11, 29)
    assert rules.report_overdue(TripStatus.APPROVED, yesterday, TODAY)
    assert rules.report_overdue("completed", yesterday, TODAY)
    assert not rules.report_overdue(TripStatus.COMPLETED, TODAY, TODAY)  # due today: not yet
    assert not rules.report_overdue(TripStatus.REPORTED, yesterday, TODAY)
    assert not rules.report_overdue(TripStatus.CANCELLED, yesterday, TODAY)
    assert not rules.report_overdue(TripStatus.APPROVED, None, TODAY)


def test_a_followup_is_overdue_only_while_pending() -> None:
    yesterday = date(2026, 11, 29)
    assert rules.followup_overdue("open", yesterday, TODAY)
    assert rules.followup_overdue(FollowupStatus.IN_PROGRESS, yesterday, TODAY)
    assert not rules.followup_overdue(FollowupStatus.DONE, yesterday, TODAY)
    assert not rules.followup_overdue(FollowupStatus.DROPPED, yesterday, TODAY)
    assert not rules.followup_overdue(FollowupStatus.OPEN, TODAY, TODAY)
    assert not rules.followup_overdue(FollowupStatus.OPEN, None, TODAY)


def test_a_protected_name_shows_only_to_private_readers() -> None:
    public_ = {"name": "Ana Pereira", "name_public": True}
    protected = {"name": "Rui Costa", "name_public": False}
    assert rules.public_name(public_) == "Ana Pereira"
    assert rules.public_name(protected) is None
    assert rules.public_name(protected, private=True) == "Rui Costa"
    # a name protected since stops showing in earlier versions too
    assert rules.public_name(public_, protected={"Ana Pereira"}) is None
    assert rules.protected_names([public_, protected]) == {"Rui Costa"}
