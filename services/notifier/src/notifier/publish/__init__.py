"""What the public reads: pages and feeds, built from the read model."""
