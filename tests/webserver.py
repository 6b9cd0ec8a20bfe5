"""Starting a real ``search serve`` and a headless Chromium, for the browser tests and
``tools/screenshots.py``.

Both are real processes: uvicorn on a free loopback port (``benchmarks.server``,
which ``benchmarks.serve_load`` uses too), Chromium from the system's packages
driven by its own chromedriver (nothing is downloaded). Each is stopped by its
process id, within a bounded time.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from pathlib import Path

from benchmarks.server import running_server, stop_process  # noqa: F401 - re-exported

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not Path(path).exists():
            return f"{path} is missing: apt-get install -y chromium chromium-driver"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is missing: pip install -e '.[test]'"
    return None


@contextlib.contextmanager
def chromium(width: int = 1200, height: int = 900):
    """A headless Chromium with a fresh profile, driven by Selenium."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={width},{height}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=CHROMEDRIVER)
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(10)
    try:
        yield driver
    finally:
        try:
            driver.quit()
        finally:
            process = getattr(service, "process", None)
            if process is not None and process.poll() is None:
                stop_process(process, grace=5)
            shutil.rmtree(profile, ignore_errors=True)


def wait_for(driver, condition, seconds: float = 15):
    """Wait until ``condition(driver)`` holds (Selenium's WebDriverWait), and return what it gave."""
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, seconds).until(condition)


@contextlib.contextmanager
def window(driver, width: int, height: int):
    """The browser at ``width`` x ``height`` for the block, back at chromium()'s own size after it."""
    driver.set_window_size(width, height)
    try:
        yield driver
    finally:
        driver.set_window_size(1200, 900)
