"""What each fault cost, gathered while the suite runs and printed at its end."""

import logging
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Figure:
    fault: str
    database: str
    lost: int
    duplicated: int
    recovery_seconds: float


FIGURES: list[Figure] = []


class Counted(Protocol):
    @property
    def lost(self) -> int: ...
    @property
    def duplicated(self) -> int: ...


def record(fault: str, database: str, outcome: Counted, recovery: float) -> None:
    figure = Figure(fault, database, outcome.lost, outcome.duplicated, round(recovery, 1))
    FIGURES.append(figure)
    log.warning("fault survived: %s", figure)


def table(figures: list[Figure]) -> str:
    """A Markdown table, the form the README keeps."""
    lines = [
        "| fault | database | events lost | duplicated | recovery time |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {f.fault} | {f.database} | {f.lost} | {f.duplicated} | {f.recovery_seconds:.1f} s |"
        for f in figures
    ]
    return "\n".join(lines)
