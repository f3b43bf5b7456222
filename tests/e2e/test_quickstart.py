"""The README's quick start, run as printed against the whole system.

The commands are read out of README.md (every `sh` block of its quick-start
section, in order, in one shell), so the README cannot drift from what works.
Only the local addresses are moved to this run's free ports.
"""

import re
import subprocess
from pathlib import Path

import httpx
import pytest

from periplus.testing import eventually
from tests.e2e.conftest import StartSystem

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
DEMO_DEPARTMENTS = ROOT / "services/trips-api/departments.demo.json"


def quick_start(readme: str) -> str:
    """The shell commands of the README's quick-start section, as one script."""
    section = readme.split("\n## Quick start", 1)[1].split("\n## ", 1)[0]
    return "\n".join(re.findall(r"^```sh\n(.*?)^```", section, re.S | re.M))


@pytest.mark.backends("sqlite")  # the quick start runs on `make run`, which is SQLite
def test_the_readme_quick_start_takes_a_trip_from_draft_to_close(
    start_system: StartSystem,
) -> None:
    system = start_system(TRIPS_DEPARTMENTS_FILE=str(DEMO_DEPARTMENTS))
    script = quick_start((ROOT / "README.md").read_text())
    for step in ("make -s key", "/submit", "/approve", "/complete", "/report", "/followups/f1"):
        assert step in script
    script = script.replace("http://127.0.0.1:8001", system.urls["trips-api"])
    script = script.replace("http://127.0.0.1:8003", system.urls["notifier"])
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", f'{script}\necho "$TRIP"'],
        cwd=ROOT,
        env=system.env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    *printed, trip_id = done.stdout.strip().splitlines()
    assert printed == [
        "submitted",
        "approved",
        "completed",
        "reported",
        "reported",
        "closed",
        "approved completed reported followup_updated closed",
        f"the public page: {system.urls['notifier']}/trips/{trip_id}",
    ]

    trips = httpx.Client(base_url=system.urls["trips-api"], timeout=10)
    trip = trips.get(f"/v1/trips/{trip_id}").json()
    assert trip["status"] == "closed"
    assert trip["followups"][0]["status"] == "done"
    assert trip["travellers"][1]["name"] is None  # protected, so blank to the public
    assert trip["private_notes"] is None
    assert trip["actual_city_share"] == {"amount": "398.20", "currency": "EUR"}
    events = trips.get("/v1/events").json()["events"]
    assert [e["type"] for e in events] == [
        "trip.approved",
        "trip.completed",
        "trip.reported",
        "followup.updated",
        "trip.closed",
    ]

    # The public page the quick start points at shows the trip, from the ledger.
    public = httpx.Client(base_url=system.urls["notifier"], timeout=10)
    eventually(
        lambda: "Eurocities working group on clean buses" in public.get(f"/trips/{trip_id}").text,
        timeout=60,
    )
