from periplus.migrations import run
from witness.models import WitnessModel

run(WitnessModel.metadata)
