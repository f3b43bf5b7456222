"""Alembic's environment: the registry, with every module that adds its tables to it."""

import notifier.channels.models
import notifier.ingest.models
import notifier.publish.models  # noqa: F401
from notifier.registry import NotifierModel
from periplus.migrations import run

run(NotifierModel.metadata)
