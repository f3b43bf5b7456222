"""Every setting of every service is in a README's configuration table.

A setting an operator cannot find is one they cannot set on purpose: this
holds the tables to the settings classes, so a new setting ships documented.
"""

import re
from pathlib import Path

import pytest
from pydantic_settings import BaseSettings

from ledger.settings import Settings as LedgerSettings
from notifier.settings import Settings as NotifierSettings
from trips_api.settings import Settings as TripsSettings
from witness.settings import Settings as WitnessSettings

ROOT = Path(__file__).resolve().parents[1]
# The witness is run by others (a newsroom, a court of accounts): its own README has its table.
TABLES = {
    TripsSettings: ROOT / "README.md",
    LedgerSettings: ROOT / "README.md",
    NotifierSettings: ROOT / "README.md",
    WitnessSettings: ROOT / "services/witness/README.md",
}


def documented(readme: Path) -> set[str]:
    """The variable names in the first cell of each table row, `*_` standing for every prefix."""
    names: set[str] = set()
    for line in readme.read_text().splitlines():
        if line.startswith("| `"):
            names.update(re.findall(r"`([A-Z*][A-Z0-9_*]*)`", line.split(" | ")[0]))
    return names


@pytest.mark.parametrize("settings", list(TABLES), ids=lambda s: s.__module__.split(".")[0])
def test_every_setting_is_in_a_readme_table(settings: type[BaseSettings]) -> None:
    names = documented(TABLES[settings])
    prefix = str(settings.model_config.get("env_prefix", ""))
    missing = [
        f"{prefix}{field}".upper()
        for field in settings.model_fields
        if f"{prefix}{field}".upper() not in names and f"*_{field}".upper() not in names
    ]
    assert not missing, f"not in {TABLES[settings].relative_to(ROOT)}: {', '.join(missing)}"
