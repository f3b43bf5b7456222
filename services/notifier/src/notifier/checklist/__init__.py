"""The accountability checklist: explainable signals about a trip, never a score."""
