from notifier.models import NotifierModel
from periplus.migrations import run

run(NotifierModel.metadata)
