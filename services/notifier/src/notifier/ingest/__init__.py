"""Taking in ledger entries: announcements and the ledger's answers are hints, and only
what a checkpoint under the trust policy commits to, and its source signed, is shown."""
