"""Channels that push ledger entries and alerts to people: webhooks, a live stream.

Every channel reads from the notice log (``channel_notice``), written by
:func:`on_entry` in the same transaction that records a ledger entry, so a
crash can delay a notice and never lose one.
"""

from notifier.channels.notices import on_entry

__all__ = ["on_entry"]
