"""Taking events in from the broker and from sources' catch-up endpoints."""
