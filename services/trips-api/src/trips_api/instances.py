"""Mapped objects made as the ORM's own loading makes them, without ``__init__``: SQLModel's
sets each field one by one, through SQLAlchemy's events and pydantic's ``__setattr__``,
which costs a trip several times what building it from its values does. A write reads
its API key and its trip by Core statements, and makes a new trip, this way."""

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from sqlalchemy import inspect
from sqlalchemy.orm import Mapper, configure_mappers, make_transient_to_detached
from sqlmodel import SQLModel

M = TypeVar("M", bound=SQLModel)


def _blank(model: type[M]) -> M:
    mapper: Mapper[M] = inspect(model)
    if not mapper.configured:
        configure_mappers()
    instance: M = mapper.class_manager.new_instance()
    return instance


def loaded(model: type[M], names: Iterable[str], row: Iterable[Any]) -> M:
    """An instance of ``model`` whose attributes ``names`` hold the values of ``row``, as if
    loaded and then expunged: nothing of it counts as changed, so ``inspect(...).committed_state``
    tells a later change from what was read."""
    instance = _blank(model)
    vars(instance).update(zip(names, row, strict=True))
    make_transient_to_detached(instance)
    return instance


def new(model: type[M], values: Mapping[str, Any]) -> M:
    """A new instance of ``model``, as ``model(**values)`` makes it: its other fields take
    their defaults, and ``values`` are the fields set."""
    instance = _blank(model)
    given = vars(instance)
    for name, field in model.model_fields.items():
        if name not in values:
            given[name] = field.get_default(call_default_factory=True)
    given.update(values)
    object.__setattr__(instance, "__pydantic_fields_set__", set(values))
    return instance
