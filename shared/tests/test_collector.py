"""The cycle collector kept out of the way of the services' work."""

import gc

import pytest

from periplus import collector


def test_collecting_less_freezes_what_start_up_built_and_runs_less_often() -> None:
    threshold = gc.get_threshold()
    try:
        collector.collect_less()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (collector.COLLECT_EVERY, *threshold[1:])
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


def _failing_block() -> None:
    with collector.paused():
        assert not gc.isenabled()
        with collector.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner pause leaves the outer one paused
        raise RuntimeError("the block fails")


def test_a_pause_restores_the_collector_as_it_was_even_when_the_block_fails() -> None:
    assert gc.isenabled()
    with pytest.raises(RuntimeError, match="the block fails"):
        _failing_block()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # a collector disabled before stays disabled
    finally:
        gc.enable()
