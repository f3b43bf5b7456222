"""Alerts: a report that is overdue, a follow-up that missed its date."""
