"""The rules of a trip's life, one module per stage; callers commit.

Each step bumps the trip's version, stores the whole trip in its history, and,
once the trip is public, adds the step's event to the same transaction.
"""
