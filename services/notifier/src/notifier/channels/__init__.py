"""Channels that push ledger entries and alerts to people: webhooks and a live stream.

Every channel reads the notice log (``channel_notice``), which :func:`on_entries`
writes in the same transaction that records a batch of ledger entries, so a crash can
delay a notice and never lose one. A notice is a ledger entry, at position
``(index, 0)``, or an alert (``alert.report_overdue``, ``alert.followup_missed``)
at ``(index, n)``: the n-th raised after entry ``index``. Readers see one order.

Webhooks (``/v1/subscriptions``)
    Anyone may subscribe a receiver (``url``) with optional filters
    (``trip_ids``, ``departments``, ``sdg_goals``, ``types``); creation is rate
    limited per client address. The answer carries, once, the ``whsec_...``
    secret that verifies signatures and a ``whtok_...`` token: send it as
    ``Authorization: Bearer`` to list, read, delete, rotate the secret of,
    test, and read the delivery log of the subscriptions it manages (or to add
    another subscription under it). Only its SHA-256 is stored; a lost token
    means subscribing again. The delivery worker queues notices for the
    subscriptions made before them from the notice log, behind a cursor, a
    slice a transaction (``webhooks.fanout``); while the read model catches up
    with the ledger they wait (30 s at most), so that a notifier far behind
    shows the public its pages first. A notice finds its subscriptions through
    an index keyed on what they filter (``webhooks.index``), never by reading
    them all.
    Each message is signed per Standard Webhooks (``webhook-id``,
    ``webhook-timestamp``, ``webhook-signature: v1,<base64>``);
    after a rotation the old secret signs too, for 24 hours. A failed attempt
    is retried on ``webhook_retry_schedule``, the spec's example schedule (5 s,
    5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h), always under the same
    ``webhook-id``: receivers drop ids they have seen. Then the delivery is dead
    (``?status=dead``) and may be sent once more by hand. One ``webhook-id`` is
    never in flight twice at once; a receiver gets at most
    ``webhook_receiver_concurrency`` attempts at once; while it is unavailable
    newer entries wait behind its oldest, so after an outage they arrive oldest
    first (see ``webhooks.worker``). A receiver that answers 410 Gone is
    unsubscribed (its status becomes ``disabled``). Receivers on private,
    loopback or reserved addresses are refused, at subscription and before
    each attempt, unless ``allow_private_receivers``.

Live stream (``/v1/stream``)
    Server-Sent Events whose ``id`` is the position (``42``, ``42.1``) and
    whose ``data`` is the JSON a webhook receives; ``Last-Event-ID`` (or
    ``?after=``; ``-1`` for the start) resumes exactly after it. When the
    server stops, every stream ends at once (a client reconnects elsewhere
    with ``Last-Event-ID``), so that a stop never waits on an endless response.

Alerts
    A periodic check (``alert_interval``) raises each alert once, when a
    report's due date or a follow-up's due date has passed (UTC) without the
    report or the follow-up being done, within ``alert_horizon_days``, and only
    while the read model holds every entry of the newest checkpoint read: a
    notifier catching up raises nothing until it has caught up.
"""

from notifier.channels.notices import on_entries

__all__ = ["on_entries"]
