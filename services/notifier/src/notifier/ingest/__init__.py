"""Taking in ledger entries: from announcements, and from the ledger itself for gaps."""
