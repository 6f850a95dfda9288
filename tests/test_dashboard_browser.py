"""The dashboard in real headless Chromium (Debian's ``chromium``, driven by Playwright).

A server is started on 127.0.0.1 and a free port for this module and stopped at its end.
Every request the page makes to another host is aborted and fails the test (the page must
work offline). A missing Chromium fails the test, never skips it: the README's test command
and ``.ci/run`` install it.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from symbiosis_abm.cli_dashboard import server_command, server_env
from symbiosis_abm.region import load_region

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).parent / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update",
               "--disable-sync"]
TIMEOUT_MS = 60_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server_url(tmp_path_factory):
    port = _free_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    # A file, not a pipe: a full pipe would block the server.
    with open(log, "wb") as sink:
        # `timeout` stops the server by itself should this process die before teardown.
        watchdog = ["timeout", "900"] if shutil.which("timeout") else []
        proc = subprocess.Popen([*watchdog, *server_command("127.0.0.1", port)], env=server_env(),
                                stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(url, timeout=2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"dashboard server did not start: {log.read_text()[-2000:]}")
                time.sleep(0.5)
        yield url
        assert "Traceback" not in log.read_text(), log.read_text()[-3000:]
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Debian chromium not found at {CHROMIUM}: install it with "
                    f"apt-get install -y chromium (the README's test command does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield b
        b.close()


def _offline_page(browser, url: str, outside: list[str]):
    """A page in a fresh context where any request not to 127.0.0.1 is aborted and noted."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1600, "height": 1000})

    def guard(route):
        host = route.request.url.split("/")[2] if "://" in route.request.url else ""
        if host.split(":")[0] == "127.0.0.1" or route.request.url.startswith("data:"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)
    expect(page.locator(".kpi-card")).to_have_count(7, timeout=TIMEOUT_MS)
    return context, page


def _step(page, to: int) -> None:
    from playwright.sync_api import expect

    page.get_by_role("button", name="Step", exact=True).click()
    # "Month 3", or "Mar 2010 (month 3)" in a region with a start date
    expect(page.locator(".step-counter")).to_have_text(
        re.compile(rf"^(Month {to}|.* \(month {to}\))$"), timeout=TIMEOUT_MS)


def _reset(page) -> None:
    from playwright.sync_api import expect

    page.get_by_role("button", name="Reset", exact=True).click()
    expect(page.locator(".step-counter")).to_have_text("Month 0", timeout=TIMEOUT_MS)


def test_dashboard_in_chromium(server_url, browser):
    from playwright.sync_api import expect

    outside: list[str] = []
    context, page = _offline_page(browser, server_url, outside)
    # the map and the KPI cards render
    expect(page.locator(".map-view svg")).to_be_visible()
    assert page.locator(".map-view svg").evaluate("svg => svg.getBoundingClientRect().width") > 500
    firms = len(load_region("kalundborg").firms)
    expect(page.locator(".map-view circle.firm")).to_have_count(2 * firms)  # map + inset
    # firms are named on hover
    expect(page.locator(".map-view circle.firm title").first).to_have_text(re.compile(r"\w"))
    expect(page.locator(".map-view line.exchange")).to_have_count(0)
    expect(page.locator(".twin-plots img")).to_be_visible()
    expect(page.locator(".step-counter")).to_have_text("Month 0")
    before = page.locator(".kpi-value").all_inner_texts()
    # step: the counter moves and at least one KPI changes (exchanges form by month 8)
    for month in range(1, 9):
        _step(page, month)
    after = page.locator(".kpi-value").all_inner_texts()
    assert after != before
    assert after[0] != before[0], "no exchange formed in Kalundborg after 8 months"
    assert page.locator(".map-view line.exchange").count() == 2 * int(after[0])
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)
    # switch the region and reset
    page.locator(".v-select:has(label:text-is('Region'))").click()
    page.locator(".v-menu__content .v-list-item", has_text="vastra_malardalen").click()
    _reset(page)
    expect(page.get_by_text("Västra Mälardalen industrial symbiosis").first).to_be_visible()
    # facilitator off: no twin to compare with; on again: the differences are back
    page.locator(".control-facilitator label").click()
    _reset(page)
    expect(page.locator(".kpi-twin")).to_have_count(0)
    page.locator(".control-facilitator label").click()
    _reset(page)
    expect(page.locator(".kpi-twin")).to_have_count(6)
    _step(page, 1)
    # Swedish and back
    page.locator(".language-toggle").click()
    # Västra Mälardalen starts in January 2010: the counter shows the calendar month
    expect(page.locator(".step-counter")).to_have_text("jan 2010 (månad 1)")
    expect(page.locator(".kpi-label").first).to_have_text("Aktiva utbyten")
    page.locator(".language-toggle").click()
    expect(page.locator(".step-counter")).to_have_text("Jan 2010 (month 1)")
    expect(page.locator(".kpi-label").first).to_have_text("Active exchanges")
    # presenter mode with playback: the model advances by itself until paused
    page.locator(".presenter-toggle").click()
    expect(page.locator(".presenter .kpi-card")).to_have_count(7)
    page.get_by_role("button", name="▶", exact=True).click()
    expect(page.locator(".step-counter")).to_have_text(re.compile(r"\(month ([3-9]|\d\d)\)"),
                                                       timeout=TIMEOUT_MS)
    page.get_by_role("button", name="❚❚", exact=True).click()
    page.screenshot(path=str(SCREENSHOTS / "dashboard_presenter.png"))
    context.close()
    assert outside == [], f"the page tried to reach other hosts: {outside[:5]}"


def test_two_browser_sessions_do_not_share_a_model(server_url, browser):
    from playwright.sync_api import expect

    outside: list[str] = []
    context_a, a = _offline_page(browser, server_url, outside)
    context_b, b = _offline_page(browser, server_url, outside)
    for month in (1, 2, 3):
        _step(a, month)
    expect(b.locator(".step-counter")).to_have_text("Month 0")
    _step(b, 1)   # B's own model: month 1, not 4
    expect(a.locator(".step-counter")).to_have_text("Month 3")
    context_a.close()
    context_b.close()
    assert outside == []
