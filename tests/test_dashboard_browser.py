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
import sys
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
CLI = str(Path(sys.executable).parent / "symbiosis-abm")   # the venv's command


# Solara's own race when a browser tab goes away while its kernel still sends: the send
# (or the close that follows) lands on a websocket whose event-loop portal has stopped.
# It is logged with a traceback, but says nothing about the dashboard's code.
_DISCONNECT_RACE = re.compile(r"RuntimeError: (This portal is not running"
                              r"|This task group is not active; no new tasks can be started)")


def app_tracebacks(log: str) -> list[str]:
    """The tracebacks in a server log, less those of Solara's disconnect race.

    A block is a ``Traceback`` line, its indented frames and the exception line after
    them. A block is the race only if its frames are in Solara's websocket sending and it
    ends in one of the race's two errors; every other traceback is kept.
    """
    blocks, current = [], None
    for line in log.splitlines():
        if line.startswith("Traceback (most recent call last):"):
            current = [line]
        elif current is not None:
            current.append(line)
            if line and not line[0].isspace():
                blocks.append("\n".join(current))
                current = None
    if current is not None:
        blocks.append("\n".join(current))
    return [b for b in blocks
            if not ("solara/server/kernel.py" in b and "send_websockets" in b
                    and _DISCONNECT_RACE.search(b.splitlines()[-1]))]


def test_app_tracebacks_drops_only_the_disconnect_race():
    race = ('Traceback (most recent call last):\n'
            '  File "/v/site-packages/solara/server/kernel.py", line 245, in send_websockets\n'
            '    ws.send(binary_msg)\n'
            'RuntimeError: This portal is not running\n')
    app = ('Traceback (most recent call last):\n'
           '  File "/v/symbiosis_abm/dashboard/app.py", line 9, in step\n'
           '    run.step()\n'
           'ValueError: bad\n')
    elsewhere = race.replace("kernel.py", "app.py").replace("send_websockets", "step")
    assert app_tracebacks("INFO start\n" + race + "ERROR: closing\n" + race) == []
    assert app_tracebacks(race + app) == [app.rstrip("\n")]
    assert app_tracebacks(elsewhere) == [elsewhere.rstrip("\n")]
    assert app_tracebacks(app.rstrip("\n").rsplit("\n", 1)[0])   # cut short: still kept


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server_proc(tmp_path_factory):
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
        proc.url = url
        yield proc
        text = log.read_text()
        assert not app_tracebacks(text), text[-3000:]
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(scope="module")
def server_url(server_proc):
    return server_proc.url


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Debian chromium not found at {CHROMIUM}: install it with "
                    f"apt-get install -y chromium (the README's test command does)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=20_000)   # a loaded 2-core machine redraws slowly
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
    expect(page.locator(".kpi-card")).to_have_count(9, timeout=TIMEOUT_MS)
    return context, page


def _step(page, to: int) -> None:
    from playwright.sync_api import expect

    page.locator("button.step").click()
    # "Month 3", or "Mar 2010 (month 3)" in a region with a start date
    expect(page.locator(".step-counter")).to_have_text(
        re.compile(rf"^(Month {to}|.* \(month {to}\))$"), timeout=TIMEOUT_MS)


def _reset(page) -> None:
    from playwright.sync_api import expect

    page.locator("button.reset").click()
    expect(page.locator(".step-counter")).to_have_text("Month 0", timeout=TIMEOUT_MS)


def _choose_region(page, name: str) -> None:
    page.locator(".v-select:has(label:text-is('Region'))").click()
    page.locator(".v-menu__content .v-list-item", has_text=re.compile(rf"^{name}$")).click()


def _no_traceback(page) -> None:
    assert "Traceback" not in page.locator("body").inner_text()


def _server_pid(proc) -> int:
    """The solara process: ``proc`` itself or its child (under ``timeout``)."""
    try:
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
    except OSError:
        return proc.pid
    return int(children[0]) if children else proc.pid


def _playing_threads(pid: int) -> int:
    """Threads of the server stepping a run (named by :mod:`.playback`)."""
    count = 0
    for comm in Path(f"/proc/{pid}/task").glob("*/comm"):
        try:
            count += comm.read_text().strip() == "dash-play"
        except OSError:   # the thread ended meanwhile
            pass
    return count


def test_dashboard_in_chromium(server_url, browser):
    from playwright.sync_api import expect

    outside: list[str] = []
    context, page = _offline_page(browser, server_url, outside)
    # the map is drawn in the browser: a vector view with every firm
    expect(page.locator(".map-view .vega-view svg")).to_be_visible()
    firms = len(load_region("kalundborg").firms)
    expect(page.locator(".map-view g.layer_3_marks path")).to_have_count(firms)
    expect(page.locator(".step-counter")).to_have_text("Month 0")
    before = page.locator(".kpi-value").all_inner_texts()
    for month in range(1, 9):
        _step(page, month)
    expect(page.locator('.map-view .vega-view[data-version="8"]')).to_have_count(1)
    after = page.locator(".kpi-value").all_inner_texts()
    assert after[0] != before[0], "no exchange formed in Kalundborg after 8 months"
    expect(page.locator(".map-view g.layer_2_marks line")).to_have_count(int(after[0]))
    # the firms' labels as Chromium drew them: some shown, no two overlapping
    labels = [b for b in (t.bounding_box() for t in page.locator(
        ".map-view g.mark-text.role-mark text").all()) if b and b["width"] > 0]
    assert len(labels) >= 3
    for i, a in enumerate(labels):
        for b in labels[i + 1:]:
            assert (a["x"] + a["width"] <= b["x"] + 1 or b["x"] + b["width"] <= a["x"] + 1
                    or a["y"] + a["height"] <= b["y"] + 1
                    or b["y"] + b["height"] <= a["y"] + 1), (a, b)
    # hovering an exchange shows its resource, volume, price and since when
    rules = page.locator(".map-view g.layer_2_marks line")
    box = rules.first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    tip = page.locator("#vg-tooltip-element")
    expect(tip).to_contain_text("Resource")
    for field in ("Volume", "Price", "Since", "Month"):
        expect(tip).to_contain_text(field)
    # clicking a firm opens it in the inspector
    novo = page.locator(".map-view g.layer_3_marks path[aria-label*='Novo Nordisk Kalundborg']")
    box = novo.bounding_box()
    page.mouse.move(0, 0)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator(".inspector-title")).to_contain_text("Novo Nordisk Kalundborg")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)
    # Swedish and back
    page.locator(".language-toggle").click()
    expect(page.locator(".step-counter")).to_have_text("Månad 8")
    expect(page.locator(".kpi-label").first).to_have_text("Aktiva utbyten")
    page.locator(".language-toggle").click()
    expect(page.locator(".kpi-label").first).to_have_text("Active exchanges")
    _no_traceback(page)
    context.close()
    assert outside == [], f"the page tried to reach other hosts: {outside[:5]}"


def test_levers_take_each_regions_own_values(server_url, browser, tmp_path):
    """Must-show 1: after kalundborg_history and Reset, every other region shows its own
    lever values, and Västra Mälardalen's month 12 equals the command line's."""
    import json

    from playwright.sync_api import expect

    from symbiosis_abm.dashboard.components import lever_value_text
    from symbiosis_abm.dashboard.controls import controls, region_values
    from symbiosis_abm.dashboard.kpi import format_number

    outside: list[str] = []
    context, page = _offline_page(browser, server_url, outside)
    _choose_region(page, "kalundborg_history")
    _reset(page)
    expect(page.locator(".control-facilitator_start_tick .lever-value")).to_have_text(
        "month 349 (Jan 1989)")
    for region in ("kalundborg", "high_coast", "kronoberg_kalmar_water", "sotenas",
                   "vastra_malardalen"):
        _choose_region(page, region)
        own = region_values(region)
        for c in controls():
            if c.kind.startswith("slider") and c.group != "group_synthetic":
                expect(page.locator(f".control-{c.name} .lever-value")).to_have_text(
                    lever_value_text(c, own[c.name], region, "en"))
    _reset(page)
    expect(page.locator(".pending-changes")).to_have_count(0)
    for month in range(1, 13):
        _step(page, month)
    out = tmp_path / "cli"
    subprocess.run([CLI, "run", "vastra_malardalen", "--steps", "12", "--out",
                    str(out)], check=True, capture_output=True)
    cli = json.loads((out / "summary.json").read_text())
    values = dict(zip(page.locator(".kpi-label").all_inner_texts(),
                      page.locator(".kpi-value").all_inner_texts()))
    # 5: Yara's heat to Köping runs from the start (issue 19's initial exchanges)
    assert values["Active exchanges"] == format_number(cli["active_exchanges"]) == "5"
    assert values["Participating firms"] == format_number(cli["participating_firms"])
    assert values["Public cost"] == format_number(cli["public_cost_eur"], unit="EUR")
    # 36.0k before issue 19's rules, 36.5k after them, 36.0k with issue 18's
    # hazard-priced investment
    assert values["Public cost"] == "36.0k EUR"
    context.close()
    assert outside == []


def test_bad_input_gives_messages_and_the_run_stays_usable(server_url, browser):
    from playwright.sync_api import expect

    outside: list[str] = []
    context, page = _offline_page(browser, server_url, outside)
    page.locator(".seed-input input").fill("-3")
    expect(page.locator(".pending-changes")).to_contain_text("Seed: 1 → -3")
    page.locator("button.reset").click()
    expect(page.locator(".run-message")).to_contain_text("seed -3: must be a whole number")
    _no_traceback(page)
    page.locator(".seed-input input").fill("2")
    expect(page.locator(".pending-changes")).to_contain_text("Seed: -3 → 2")
    _reset(page)
    expect(page.locator(".run-message")).to_have_count(0)
    _step(page, 1)
    # end before start, from a link
    page.goto(server_url + "?facilitator_start_tick=24&facilitator_end_tick=5")
    expect(page.locator(".run-message")).to_contain_text("facilitator_end_tick")
    _no_traceback(page)
    # Play with many redraws (language switched back and forth while stepping)
    page.goto(server_url)
    expect(page.locator(".kpi-card")).to_have_count(9, timeout=TIMEOUT_MS)
    page.locator("button.play").click()
    expect(page.locator(".step-counter")).to_have_text(re.compile(r"Month [2-9]"))
    for _ in range(10):
        page.locator(".language-toggle").click()
        page.wait_for_timeout(80)
    expect(page.locator("button.play")).to_have_text("❚❚")
    page.locator("button.play").click()
    expect(page.locator("button.play")).to_have_text("▶")
    expect(page.locator("button.step")).to_be_enabled()
    _no_traceback(page)
    # the player draws the step it finished after the pause: wait until the counter rests
    text, previous = page.locator(".step-counter").inner_text(), None
    while text != previous:
        page.wait_for_timeout(700)
        previous, text = text, page.locator(".step-counter").inner_text()
    n = int(re.search(r"\d+", text).group())
    assert n >= 2, text
    page.locator("button.step").click()
    expect(page.locator(".step-counter")).to_have_text(re.compile(rf"{n + 1}$"))
    context.close()
    assert outside == []


def test_a_link_restores_region_seed_and_levers(server_url, browser):
    from playwright.sync_api import expect

    outside: list[str] = []
    context, page = _offline_page(browser, server_url, outside)
    page.goto(server_url + "?region=vastra_malardalen&seed=7&landfill_tax_eur_per_t=120"
              "&facilitator=false")
    expect(page.locator(".region-title")).to_contain_text("Västra Mälardalen")
    expect(page.locator(".seed-input input")).to_have_value("7")
    expect(page.locator(".control-landfill_tax_eur_per_t .lever-value")).to_have_text(
        "120 EUR/t")
    expect(page.locator(".kpi-twin")).to_have_count(0)      # the facilitator is off
    _reset(page)
    assert "landfill_tax_eur_per_t=120" in page.url and "seed=7" in page.url
    context.close()
    assert outside == []


def test_ab_mode_advances_both_settings(server_url, browser):
    """Must-show 4 (A/B): two lever settings of the same region and seed step together,
    on both maps and in the cards (A, B, B - A), and their figures differ."""
    from playwright.sync_api import expect

    outside: list[str] = []
    context, page = _offline_page(browser, server_url, outside)
    _choose_region(page, "vastra_malardalen")
    page.locator(".ab-toggle label").click()
    expect(page.locator(".ab-side")).to_be_visible()
    # the levers shown are now B's (a copy of A's): B runs without the facilitator
    page.locator(".control-facilitator label").click()
    expect(page.locator(".pending-changes")).to_contain_text("B · Facilitator: off")
    _reset(page)
    expect(page).to_have_url(re.compile(r"ab=1&b\.facilitator=false"))
    expect(page.locator(".ab-summary")).to_have_text(
        "B differs from A in: Facilitator: on → off")
    for month in range(1, 13):
        _step(page, month)
        for side in ("a", "b"):
            expect(page.locator(f".ab-month-{side}")).to_contain_text(f"(month {month})")
    for which in ("main", "other"):
        page.wait_for_selector(f'.map-{which} .vega-view[data-version="12"]',
                               state="attached")
    values = page.locator(".kpi-value").all_inner_texts()
    others = page.locator(".kpi-twin").all_inner_texts()
    diffs = page.locator(".kpi-diff").all_inner_texts()
    assert (values[0], others[0], diffs[0]) == ("A: 5", "B: 3", "B − A: -2")
    assert diffs[7].startswith("B − A: -")            # public cost: B spends nothing
    # both maps draw their own run: A's five exchanges, B's three
    expect(page.locator(".map-main g.layer_2_marks line")).to_have_count(5)
    expect(page.locator(".map-other g.layer_2_marks line")).to_have_count(3)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard_ab.png"))
    _no_traceback(page)
    context.close()
    assert outside == []


def test_guided_replay_of_kalundborg_history(server_url, browser):
    """Presenter: the guided replay plays on to each milestone and shows its caption; the
    key n (as the button) starts the next chapter."""
    from playwright.sync_api import expect

    from symbiosis_abm.region import load_region

    dates = sorted(m.date for m in load_region("kalundborg_history").milestones)
    outside: list[str] = []
    context, page = _offline_page(browser, server_url + "?region=kalundborg_history", outside)
    expect(page.locator("button.guided")).to_have_text(re.compile(r"\(8/8\)"))
    page.locator("body").press("n")
    expect(page.locator(".step-counter")).to_have_text("Jan 1961 (month 13)",
                                                       timeout=TIMEOUT_MS)
    expect(page.locator(".milestone")).to_contain_text(dates[0])
    expect(page.locator("button.guided")).to_be_enabled(timeout=TIMEOUT_MS)
    page.locator("button.guided").click()
    expect(page.locator(".step-counter")).to_have_text("Jan 1972 (month 145)",
                                                       timeout=120_000)
    expect(page.locator(".milestone")).to_contain_text(dates[1])
    expect(page.locator(".milestone")).to_have_count(1)
    expect(page.locator("button.guided")).to_have_text(re.compile(r"\(6/8\)"))
    _no_traceback(page)
    context.close()
    assert outside == []


def test_reloading_a_playing_tab_leaves_no_stepping_thread(server_url, server_proc, browser):
    from playwright.sync_api import expect

    pid = _server_pid(server_proc)
    outside: list[str] = []
    context, page = _offline_page(browser, server_url, outside)
    page.locator("button.play").click()
    expect(page.locator(".step-counter")).to_have_text(re.compile(r"Month [2-9]"))
    assert _playing_threads(pid) == 1
    page.reload()
    expect(page.locator(".kpi-card")).to_have_count(9, timeout=TIMEOUT_MS)
    deadline = time.monotonic() + 20
    while _playing_threads(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _playing_threads(pid) == 0
    context.close()
    assert outside == []


def test_stopping_the_dashboard_pid_frees_its_port(tmp_path):
    port = _free_port()
    log = tmp_path / "cli.log"
    with open(log, "wb") as sink:
        proc = subprocess.Popen([CLI, "dashboard", "--port", str(port)],
                                env=server_env(), stdout=sink, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).close()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.5)
        proc.terminate()                  # SIGTERM to the PID the command started as
        proc.wait(timeout=30)
        with socket.socket() as s:       # the port is free again
            s.bind(("127.0.0.1", port))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_presenter_mode_at_1280x720(server_url, browser):
    from playwright.sync_api import expect

    outside: list[str] = []
    context, page = _offline_page(browser, server_url, outside)
    page.set_viewport_size({"width": 1280, "height": 720})
    page.locator(".presenter-toggle").click()
    expect(page.locator(".presenter .kpi-card")).to_have_count(9)
    page.keyboard.press("ArrowRight")      # keyboard control: a step
    expect(page.locator(".step-counter")).to_have_text("Month 1")
    page.keyboard.press(" ")               # play ...
    expect(page.locator(".step-counter")).to_have_text(re.compile(r"Month ([3-9]|\d\d)"))
    page.keyboard.press(" ")               # ... and pause
    page.wait_for_timeout(800)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard_presenter_1280x720.png"))
    box = page.locator(".map-view .vega-view svg").bounding_box()
    visible_h = min(box["y"] + box["height"], 720) - max(box["y"], 0)
    assert box["width"] * visible_h >= 0.5 * 1280 * 720, box
    for card in page.locator(".kpi-card").all():      # key figures without scrolling
        b = card.bounding_box()
        assert b["y"] + b["height"] <= 720, b
    _no_traceback(page)
    context.close()
    assert outside == []


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


def _step_times(page, steps: int = 10) -> list[float]:
    """Milliseconds from a Step click to the page showing the new month: the counter, the
    map and the plots all drawn by the browser (their ``data-version``)."""
    times = []
    start = int(re.search(r"\d+$", page.locator(".step-counter").inner_text()).group())
    for n in range(start + 1, start + steps + 1):
        t0 = time.perf_counter()
        page.locator("button.step").click()
        page.wait_for_selector(f'.map-view .vega-view[data-version="{n}"]',
                               state="attached", timeout=TIMEOUT_MS)
        page.wait_for_selector(f'.twin-plots .vega-view[data-version="{n}"]',
                               state="attached", timeout=TIMEOUT_MS)
        page.wait_for_function(f"document.querySelector('.step-counter').innerText"
                               f".endsWith('{n}') || document.querySelector('.step-counter')"
                               f".innerText.endsWith('{n})')", timeout=TIMEOUT_MS)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def test_step_to_updated_page_timings(server_url, browser):
    """Must-show 3: the median of 10 Step-to-page times on kalundborg, on a 500-firm
    synthetic region, and on kalundborg while another session plays. Prints the figures
    (docs/dashboard.md records them); asserts only generous bounds: targets are 150 ms,
    300 ms and 2x."""
    from statistics import median

    from playwright.sync_api import expect

    outside: list[str] = []
    context, page = _offline_page(browser, server_url, outside)
    _step_times(page, 2)                                   # warm the page up
    alone = median(_step_times(page))
    page.goto(server_url + "?region=synthetic&n_firms=500&seed=1")
    expect(page.locator(".kpi-card")).to_have_count(9, timeout=TIMEOUT_MS)
    _step_times(page, 2)
    large = median(_step_times(page))
    other_context, other = _offline_page(browser, server_url, outside)
    other.locator("button.play").click()
    expect(other.locator(".step-counter")).to_have_text(re.compile(r"Month [2-9]"))
    page.goto(server_url)
    expect(page.locator(".kpi-card")).to_have_count(9, timeout=TIMEOUT_MS)
    _step_times(page, 2)
    loaded = median(_step_times(page))
    other.locator("button.play").click()
    # Close only once the other session has stopped playing, so its kernel is not sending.
    expect(other.locator("button.play")).to_have_text("▶")
    print(f"\nstep to updated page, median of 10: kalundborg {alone:.0f} ms (target 150), "
          f"synthetic 500 firms {large:.0f} ms (target 300), kalundborg while another "
          f"session plays {loaded:.0f} ms ({loaded / alone:.1f}x alone, target < 2x)")
    other_context.close()
    context.close()
    assert outside == []
    assert alone < 1500 and large < 3000 and loaded < 3000, (alone, large, loaded)
