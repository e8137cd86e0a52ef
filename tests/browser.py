"""The real browser of the browser tests: Debian's headless Chromium, driven by Playwright.

- :data:`needs_chromium`: the marks of a browser test (slow; skipped outside CI where Chromium is
  missing, failed in CI, which installs it in ``.ci/run``);
- :func:`chromium`: a launched browser, closed afterwards;
- :func:`keep_screenshot`: a page's screenshot in the git-ignored ``build/screenshots/``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = ROOT / "build" / "screenshots"
#: The test machine is small and shared: each step of a browser test waits this long (ms).
WAIT_MS = 60_000

needs_chromium = [
    pytest.mark.slow,
    pytest.mark.serial,
    pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"),
                       reason=f"{CHROMIUM} is not installed (apt-get install chromium); CI installs it in .ci/run"),
]


@contextlib.contextmanager
def chromium() -> Iterator:
    """Headless Chromium (a Playwright ``Browser``), closed afterwards."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the playwright package is missing from the environment (requirements-test.txt: playwright)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def keep_screenshot(page, name: str) -> Path:
    """Save ``page``'s screenshot as ``build/screenshots/<name>.png``; returns the path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
