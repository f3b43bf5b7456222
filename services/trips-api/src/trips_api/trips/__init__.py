"""Trips: what a city records about each foreign trip, and its life cycle."""
