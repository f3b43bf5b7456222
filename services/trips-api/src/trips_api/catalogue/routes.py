"""The SDG catalogue that trips are tagged from, for clients to show and validate."""

from fastapi import APIRouter
from pydantic import BaseModel, Field

from periplus import sdg
from periplus.openapi import problems
from trips_api.deps import Reader

router = APIRouter(prefix="/v1/sdg", tags=["reference"])


class Target(BaseModel):
    id: str = Field(examples=["11.2"])
    label: str = Field(description="A short label; the official text is the UN's.")


class Goal(BaseModel):
    number: int
    names: dict[str, str] = Field(description="The goal's name in en, es, fr and pt.")
    targets: list[Target]


class Catalogue(BaseModel):
    goals: list[Goal]


@router.get(
    "",
    summary="The 17 goals and 169 targets that trips may name",
    responses=problems({429: "Reads without a key are rate limited; `Retry-After` says when"}),
)
def catalogue(_key: Reader) -> Catalogue:
    """Goal names in en, es, fr and pt; each target with a short label. Trips take target ids such
    as `11.2`.
    """
    return Catalogue(
        goals=[
            Goal(
                number=goal.number,
                names=goal.names,
                targets=[
                    Target(id=t, label=sdg.target_label(t))
                    for t in sdg.TARGETS
                    if sdg.goal_of(t) == goal.number
                ],
            )
            for goal in sdg.GOALS.values()
        ]
    )
