"""Four eyes compares holders: names that read the same are the same holder."""

import pytest

from trips_api.keys.models import holder_id


@pytest.mark.parametrize(
    "spelling",
    [
        "Front Office",
        "front  office ",
        "FRONT OFFICE",
        "Front\u200b Office",  # a zero-width space
        "Fro\u00adnt Office",  # a soft hyphen
        "\uff26ront Office",  # a fullwidth F
        "Front\u00a0Office",  # a no-break space
        "Front Office\u034f",  # a combining grapheme joiner
        "Front Office\ufe0f",  # a variation selector
        "Front\u3164Office",  # a Hangul filler, which shows as a space
        "Front Office\u2800",  # the Braille blank
    ],
)
def test_names_that_read_the_same_are_one_holder(spelling: str) -> None:
    assert holder_id(spelling) == holder_id("Front Office") == "front office"


def test_names_that_read_otherwise_are_other_holders() -> None:
    assert holder_id("Front Office") != holder_id("Front Offices")
    assert holder_id("Ana Pereira") != holder_id("Ana Pereyra")
