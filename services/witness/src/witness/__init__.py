"""Periplus witness: cosigns a log's checkpoints that extend what it cosigned before."""
