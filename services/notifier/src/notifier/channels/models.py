"""Tables of the channels: the notice log, what alerts watch, webhooks and their deliveries."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, String, Text
from sqlmodel import Field

from notifier.registry import NotifierModel
from periplus.db import BIG_INTEGER


class Notice(NotifierModel, table=True):
    """One thing the channels announce, in a total order shared by every channel.

    A ledger entry is ``(index, 0)``; an alert is placed after the last entry
    recorded when it was raised, ``(index, n)`` with ``n >= 1``.
    """

    __tablename__ = "channel_notice"

    ledger_index: int = Field(sa_column=Column(BIG_INTEGER, primary_key=True, autoincrement=False))
    sub: int = Field(default=0, primary_key=True, sa_column_kwargs={"autoincrement": False})
    type: str = Field(max_length=40)
    trip_id: str = Field(max_length=36, index=True)
    departments: list[str] = Field(sa_column=Column(JSON, nullable=False))
    sdg_goals: list[int] = Field(sa_column=Column(JSON, nullable=False))
    body: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime


class WatchedTrip(NotifierModel, table=True):
    """What the channels need to know of a trip: its facets, status and report date."""

    __tablename__ = "channel_trip"

    trip_id: str = Field(primary_key=True, max_length=36)
    reference: str = Field(default="", max_length=40)
    title: str = Field(default="", max_length=200)
    status: str = Field(default="approved", max_length=20)
    departments: list[str] = Field(sa_column=Column(JSON, nullable=False))
    sdg_goals: list[int] = Field(sa_column=Column(JSON, nullable=False))
    report_due: str | None = Field(default=None, max_length=10, index=True)


class WatchedFollowup(NotifierModel, table=True):
    """A follow-up commitment and its due date, as the latest entry states it."""

    __tablename__ = "channel_followup"

    trip_id: str = Field(primary_key=True, max_length=36)
    followup_id: str = Field(primary_key=True, max_length=40)
    commitment: str = Field(default="", max_length=1000)
    owner_department: str = Field(default="", max_length=200)
    due_date: str = Field(max_length=10, index=True)
    status: str = Field(max_length=20)


class RaisedAlert(NotifierModel, table=True):
    """An alert already raised; its key makes each alert happen once."""

    __tablename__ = "channel_alert"

    key: str = Field(primary_key=True, max_length=200)
    ledger_index: int = Field(sa_column=Column(BIG_INTEGER, nullable=False))
    sub: int
    raised_at: datetime


class Subscription(NotifierModel, table=True):
    """A webhook receiver with its filters; managed with a token only its creator holds."""

    __tablename__ = "webhook_subscription"

    id: str = Field(primary_key=True, max_length=36)
    url: str = Field(max_length=2000)
    description: str = Field(default="", max_length=200)
    trip_ids: list[str] = Field(sa_column=Column(JSON, nullable=False))
    departments: list[str] = Field(sa_column=Column(JSON, nullable=False))
    sdg_goals: list[int] = Field(sa_column=Column(JSON, nullable=False))
    types: list[str] = Field(sa_column=Column(JSON, nullable=False))
    secret: str = Field(max_length=100)
    previous_secret: str | None = Field(default=None, max_length=100)
    previous_secret_until: datetime | None = None
    token_hash: str = Field(max_length=64, index=True)
    status: str = Field(default="active", max_length=20)
    created_at: datetime


# A delivery's life: pending (due at ``next_attempt_at``), sending (claimed by one
# attempt until ``next_attempt_at``), then delivered or dead. The public sees
# ``sending`` as ``pending``.
PENDING, SENDING, DELIVERED, DEAD = "pending", "sending", "delivered", "dead"
OPEN = (PENDING, SENDING)


class Delivery(NotifierModel, table=True):
    """One message to one receiver; its id is the ``webhook-id`` on every attempt."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (Index("ix_webhook_delivery_due", "status", "next_attempt_at"),)

    id: str = Field(primary_key=True, max_length=40)
    subscription_id: str = Field(
        sa_column=Column(
            String(36),
            ForeignKey("webhook_subscription.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    type: str = Field(max_length=40)
    ledger_index: int | None = Field(default=None, sa_column=Column(BIG_INTEGER, nullable=True))
    sub: int | None = None
    body: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    status: str = Field(default="pending", max_length=20)
    attempts: int = 0
    next_attempt_at: datetime
    retry_until: datetime
    created_at: datetime
    delivered_at: datetime | None = None
    last_status: int | None = None
    last_error: str | None = Field(default=None, max_length=500)


class DeliveryAttempt(NotifierModel, table=True):
    """One try at a delivery: when, what the receiver answered, or why it failed."""

    __tablename__ = "webhook_attempt"

    # 64-bit, one per try of every delivery; SQLite keeps its INTEGER PRIMARY KEY, the rowid.
    id: int | None = Field(
        default=None,
        sa_column=Column(BIG_INTEGER, primary_key=True, autoincrement=True),
    )
    delivery_id: str = Field(
        sa_column=Column(
            String(40),
            ForeignKey("webhook_delivery.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    number: int
    at: datetime
    status_code: int | None = None
    error: str | None = Field(default=None, max_length=500)
    duration_ms: int


class SubscriptionStamp(NotifierModel, table=True):
    """One row, given a new value in every transaction that adds, deletes or disables a
    subscription: the fan-out keeps its index of subscriptions until the stamp changes."""

    __tablename__ = "webhook_subscription_stamp"

    id: int = Field(default=1, primary_key=True, sa_column_kwargs={"autoincrement": False})
    stamp: str = Field(max_length=32)


class FanOutCursor(NotifierModel, table=True):
    """One row: the position of the last notice queued for the webhooks
    (``webhooks.fanout``); ``(-1, 0)`` before the first."""

    __tablename__ = "webhook_fanout"

    id: int = Field(default=1, primary_key=True, sa_column_kwargs={"autoincrement": False})
    ledger_index: int = Field(sa_column=Column(BIG_INTEGER, nullable=False))
    sub: int
