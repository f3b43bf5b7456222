"""Open data: the public tables as CSV and JSON Lines, described for data portals."""
