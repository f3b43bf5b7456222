"""Alembic's environment: the registry, with every module that adds its tables to it."""

import ledger.cosigning.models
import ledger.ingest.models
import ledger.log.models  # noqa: F401
from ledger.registry import LedgerModel
from periplus.migrations import run

run(LedgerModel.metadata)
