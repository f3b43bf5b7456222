"""Fixtures every notifier test module may use: a real Chromium, driven by Playwright."""

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium, installed on first use: Playwright's own download needs the
    internet, and a new machine has nothing installed by hand."""
    if not CHROMIUM.exists():
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        try:
            # A new machine's package lists are empty until the first update.
            for command in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
                subprocess.run(command, check=True, capture_output=True, timeout=600, env=env)
        except (OSError, subprocess.SubprocessError) as exc:
            pytest.skip(f"Chromium is not installed and `apt-get install chromium` failed: {exc}")
    return CHROMIUM


@pytest.fixture(scope="module")
def browser(chromium: Path) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(chromium), headless=True)
        yield instance
        instance.close()
