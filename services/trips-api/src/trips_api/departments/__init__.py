"""The city's departments: a registry that trips name their departments from."""
