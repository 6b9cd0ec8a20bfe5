"""Take the README's screenshots of ``search serve`` in headless Chromium.

Why a command: the pictures in docs/ should show the page as it is, so they
are regenerated from a real server and a real browser instead of being edited
by hand. Without ``--index`` it builds a temporary index of seeds/ (about 30
seconds); it needs the system's Chromium (``apt-get install chromium
chromium-driver``) and the test extra (Selenium).

    python tools/screenshots.py [--index DIR] [--query "banjir jakarta"]

It takes the results page (with its words of the coverage, at desktop and
phone sizes), an article, the results on a phone, and the timeline page at
desktop and phone sizes.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(PROJECT), str(PROJECT / "tests")]  # tests/webserver.py imports benchmarks.server

from webserver import chromium, chromium_missing, running_server  # noqa: E402

import search  # noqa: E402

DOCS = PROJECT / "docs"


def take(index_dir: Path, query: str) -> list[Path]:
    from urllib.parse import urlencode

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    DOCS.mkdir(exist_ok=True)
    shots = []
    with running_server(index_dir) as base, chromium(1280, 1400) as driver:
        driver.get(f"{base}/?{urlencode({'q': query})}")
        WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.ID, "summary"))
        shots.append(DOCS / "search-results.png")
        driver.save_screenshot(str(shots[-1]))
        driver.find_element(By.CSS_SELECTOR, ".hit a.title").click()
        WebDriverWait(driver, 30).until(lambda d: "/articles/" in d.current_url)
        shots.append(DOCS / "search-article.png")
        driver.save_screenshot(str(shots[-1]))
        driver.set_window_size(390, 1200)
        driver.back()
        WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.ID, "summary"))
        shots.append(DOCS / "search-phone.png")
        driver.save_screenshot(str(shots[-1]))
        driver.set_window_size(1280, 1400)
        driver.get(f"{base}/?{urlencode({'q': 'banjir'})}")
        WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#coverage .words a"))
        driver.execute_script("document.getElementById('coverage').scrollIntoView()")
        shots.append(DOCS / "words-panel.png")
        driver.save_screenshot(str(shots[-1]))
        driver.set_window_size(390, 1200)  # on a phone the panel is behind the one tap, "Saring"
        driver.get(f"{base}/?{urlencode({'q': 'banjir'})}")
        WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#coverage .words a"))
        driver.find_element(By.CSS_SELECTOR, ".refine-label").click()
        driver.execute_script("document.getElementById('coverage').scrollIntoView()")
        shots.append(DOCS / "words-panel-phone.png")
        driver.save_screenshot(str(shots[-1]))
        timeline = urlencode([("q", "banjir"), ("q", "gempa"), ("q", "kebakaran hutan"), ("interval", "month"),
                              ("from", "2016-07"), ("to", "2018-02")])
        for name, width, height in (("timeline.png", 1280, 1300), ("timeline-phone.png", 390, 1400)):
            driver.set_window_size(width, height)
            driver.get(f"{base}/timeline?{timeline}")
            WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "svg.chart"))
            shots.append(DOCS / name)
            driver.save_screenshot(str(shots[-1]))
    return shots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, help="an index to serve (default: a fresh one of seeds/)")
    parser.add_argument("--query", default="banjir jakarta")
    args = parser.parse_args()
    missing = chromium_missing()
    if missing:
        sys.exit(missing)
    if args.index:
        shots = take(args.index, args.query)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            print("building a temporary index of seeds/ ...", file=sys.stderr)
            search.build_index([PROJECT / "seeds"], Path(tmp) / "ix")
            shots = take(Path(tmp) / "ix", args.query)
    for shot in shots:
        print(shot.relative_to(PROJECT))


if __name__ == "__main__":
    main()
