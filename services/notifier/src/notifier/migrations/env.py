# Imported for their tables, which join the metadata: the channels' and ingestion's.
import notifier.channels.models
import notifier.ingest.models  # noqa: F401
from notifier.models import NotifierModel
from periplus.migrations import run

run(NotifierModel.metadata)
