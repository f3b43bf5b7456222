"""Webhooks signed per the Standard Webhooks spec, retried for a day and more."""
