"""``ledger serve`` keeps the cycle collector out of the way of ingestion."""

import gc

from ledger.cli import COLLECT_EVERY, collect_less


def test_serving_freezes_what_start_up_built_and_collects_less_often() -> None:
    threshold = gc.get_threshold()
    try:
        collect_less()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (COLLECT_EVERY, *threshold[1:])
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
