"""Code shared by every Periplus service: the event contract and the ledger's formats."""
