"""Headless Chromium (Debian's chromium and chromium-driver) for the browser tests.

with chromium() as driver:       # a selenium WebDriver
    driver.get(url)

Without Chromium the test is skipped with the command that installs it, except
under CI=true: .ci/run installs it, so a missing browser is a broken build.
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import shutil
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
# This machine's network is closed: without these, Chromium keeps trying to reach Google.
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@contextlib.contextmanager
def chromium(
    *,
    window: str = "1280,1600",
    prefs: dict[str, Any] | None = None,
    arguments: Sequence[str] = (),
) -> Iterator[Any]:
    """A headless Chromium driven by Selenium, quit on exit; ``arguments`` are more
    command-line flags (``--host-resolver-rules=...``)."""
    if not pathlib.Path(CHROMIUM).exists() or not pathlib.Path(CHROMEDRIVER).exists():
        reason = "Chromium and chromedriver are needed: apt-get install chromium chromium-driver"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--window-size={window}", *arguments):
        options.add_argument(flag)
    if prefs:
        options.add_experimental_option("prefs", prefs)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
