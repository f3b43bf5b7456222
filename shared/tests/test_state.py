"""A service's typed state: what its build keeps is what its routes get, or a clear error."""

from dataclasses import dataclass

import pytest
from fastapi import FastAPI

from periplus.state import set_state, state_of


@dataclass(frozen=True)
class Kept:
    name: str


def test_the_state_kept_is_the_state_read() -> None:
    app = FastAPI()
    kept = Kept("notifier")
    set_state(app, kept)
    assert state_of(app, Kept) is kept


def test_reading_a_state_never_kept_or_of_another_kind_names_the_fault() -> None:
    app = FastAPI()
    with pytest.raises(TypeError, match=r"app\.state\.service is not a Kept"):
        state_of(app, Kept)
    set_state(app, object())
    with pytest.raises(TypeError, match="not a Kept"):
        state_of(app, Kept)
