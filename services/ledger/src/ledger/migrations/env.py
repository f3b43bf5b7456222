from ledger.models import LedgerModel
from periplus.migrations import run

run(LedgerModel.metadata)
