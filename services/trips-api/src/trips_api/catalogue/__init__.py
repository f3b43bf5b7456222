"""Reference data that clients validate against: the SDG goals and targets."""
