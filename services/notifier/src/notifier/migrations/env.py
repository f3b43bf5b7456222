import notifier.channels.models  # noqa: F401  (the channels' tables join the metadata)
from notifier.models import NotifierModel
from periplus.migrations import run

run(NotifierModel.metadata)
