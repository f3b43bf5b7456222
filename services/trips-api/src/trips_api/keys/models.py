import re
import unicodedata
from datetime import datetime

from sqlmodel import Field

from trips_api.models import TripsModel

SCOPES = frozenset({"trips:read-private", "trips:write", "trips:approve", "trips:report", "admin"})
PRIVATE_SCOPES = frozenset({"trips:read-private", "admin"})
"""The scopes that see private data: internal notes, protected names, key ids."""


# What Unicode marks default-ignorable (no glyph of its own) beyond the format characters,
# and the blanks that show as a space: the combining grapheme joiner, variation selectors;
# the Hangul fillers, the Braille blank.
_IGNORED = re.compile("[\u034f\u17b4\u17b5\u180b-\u180f\ufe00-\ufe0f\U000e0100-\U000e01ef]")
_BLANK = re.compile("[\u115f\u1160\u2800\u3164\uffa0]")


def holder_id(holder: str) -> str:
    """The holder as four eyes compares it: what reads as the same name is the same holder,
    whatever its case, spacing, compatibility forms (a fullwidth letter) or invisible
    characters (a zero-width space, a soft hyphen, a variation selector, a filler)."""
    folded = unicodedata.normalize("NFKC", holder).casefold()
    visible = _IGNORED.sub("", "".join(c for c in folded if unicodedata.category(c) != "Cf"))
    return " ".join(_BLANK.sub(" ", visible).split())


class ApiKey(TripsModel, table=True):
    __tablename__ = "api_key"

    id: str = Field(primary_key=True, max_length=16, description="The key's public prefix.")
    name: str = Field(max_length=100)
    holder: str = Field(
        max_length=200,
        description="The person or office answerable for the key; four eyes compares holders.",
    )
    secret_hash: str = Field(max_length=64)
    scopes: str = Field(max_length=200, description="Comma-separated scopes.")
    created_at: datetime
    revoked_at: datetime | None = None
    created_by: str | None = Field(default=None, max_length=16)
    revoked_by: str | None = Field(default=None, max_length=16)

    @property
    def holder_id(self) -> str:
        """The holder as compared (``holder_id``): case, spacing and invisible characters do
        not make another person."""
        return holder_id(self.holder)

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(s for s in self.scopes.split(",") if s)
