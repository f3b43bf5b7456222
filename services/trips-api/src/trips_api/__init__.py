"""Periplus."""
