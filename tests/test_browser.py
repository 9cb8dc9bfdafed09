"""A real browser: `quotes serve` in a subprocess, Debian's chromium driven by
Playwright. Search a fragment, open the result, see the speaker and the
article link. Skipped, with the reason, only when chromium cannot start.

The browser is /usr/bin/chromium from Debian (`.ci/run` installs it when
missing); Playwright never downloads one.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from test_search import build

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    path = build(tmp_path_factory.mktemp("browser") / "quotes.db")
    port = free_port()
    log = tmp_path_factory.mktemp("log") / "serve.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "quotes.cli", "serve", str(path), "--host", "127.0.0.1",
             "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, cwd=Path(__file__).resolve().parent.parent)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=2).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"quotes serve did not start: {log.read_text()}") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)")
    with sync_api.sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        except Exception as error:  # the browser exists but cannot start here
            pytest.skip(f"chromium cannot start: {str(error).splitlines()[0]}")
        yield chromium
        chromium.close()


def test_search_a_fragment_and_open_the_quote(server, browser):
    page = browser.new_page()
    try:
        page.goto(server + "/quotes/find", wait_until="domcontentloaded")
        page.fill('input[name="q"]', "underground until our engineers")
        page.locator('form input[type="submit"]').first.click()
        page.wait_for_load_state("domcontentloaded")
        assert "<mark>underground</mark>" in page.content().lower()
        results = page.locator('td a[href^="/quotes/quotes/"]')
        assert results.count() == 1  # four outlets, one quote
        results.first.click()
        page.wait_for_load_state("domcontentloaded")
        assert page.url.startswith(server + "/quotes/quotes/")
        speaker = page.locator(".quote-speaker")
        assert "Orla Brennick" in speaker.inner_text()
        link = page.locator("a.article-link")
        assert link.count() == 1
        assert link.get_attribute("href").startswith("https://")
        assert "underground" in page.locator("mark.quote-text").inner_text()
        assert page.locator(".quote-occurrences li").count() == 4
    finally:
        page.close()
