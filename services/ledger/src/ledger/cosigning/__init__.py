"""Witness cosignatures of the log's checkpoints (C2SP tlog-witness, tlog-cosignature)."""
