"""Queries for auditors: by trip, source, type, department, SDG and date; proofs; export."""
