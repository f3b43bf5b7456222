"""Estimated flight emissions of each trip, from great-circle distances and published factors."""
