"""``twin present`` in a real browser: Debian's chromium, driven by selenium through chromedriver.

The server runs as a subprocess on a free port over two quick Testville runs (the base and the
bridge closed); headless chromium loads the page, and the test checks that the 3D view is not
blank, that the time slider, the play button, a layer choice, a facility group, a camera preset
and the A / B / difference switch change the time and the pixels, that the KPI panel holds both
runs' indicators, and that the page asked nothing of any host but the server.
``scripts/setup.sh`` installs chromium and chromium-driver with the test extra, so the test runs
on every CI machine. Set ``TWIN_PRESENT_SCREENSHOT=FILE.png`` to keep a screenshot of
the page (the one in docs/viz.md comes from here).
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import imageio.v2 as imageio
import numpy as np
import pytest

from twin.errors import TwinInputError

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--use-gl=swiftshader", "--enable-unsafe-swiftshader", "--window-size=1000,640")
WAIT_S = 20.0


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """Two quick Testville runs, real run folders with indicators: the base and a policy that
    closes the bridge (a lever the viewer draws)."""
    from twin import load_scenario
    from twin.scenario import run

    root = tmp_path_factory.mktemp("present_runs")
    policy = root / "bridge_closed.toml"
    policy.write_text(f'extends = "{(ROOT / "scenarios" / "testville_quick.toml").as_posix()}"\n'
                      '[scenario]\nname = "bridge_closed"\n[traffic]\nclosed_roads = ["Test Bridge"]\n')
    a = run(load_scenario(ROOT / "scenarios" / "testville_quick.toml"), root / "a", progress=False,
            picture=False).path
    b = run(load_scenario(policy), root / "b", picture=False, progress=False).path
    return a, b


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(two_runs, tmp_path_factory):
    """``twin present A B`` as a subprocess; yields its URL, stops it afterwards."""
    port = free_port()
    log = tmp_path_factory.mktemp("present_log") / "server.log"
    env = dict(os.environ, VTK_DEFAULT_OPENGL_WINDOW="vtkEGLRenderWindow")
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "twin", "present", *map(str, two_runs),
                                 "--port", str(port)], stdout=out, stderr=subprocess.STDOUT,
                                env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 60.0
        while True:
            if proc.poll() is not None:
                pytest.fail(f"twin present exited ({proc.returncode}): {log.read_text()[-2000:]}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if time.monotonic() > deadline:
                pytest.fail(f"twin present did not listen on port {port}: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        assert f"http://127.0.0.1:{port}/" in log.read_text()
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Headless chromium with a fresh profile, logging every network request."""
    from selenium import webdriver  # the test extra installs selenium: no skip
    from selenium.webdriver.chrome.service import Service

    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.fail("chromium and chromium-driver are missing: scripts/setup.sh installs them "
                    "with the test extra (apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium_profile')}")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def view_pixels(driver) -> np.ndarray:
    """The 3D view's pixels (RGB) as the browser shows them."""
    from selenium.webdriver.common.by import By

    png = driver.find_element(By.ID, "city-view").screenshot_as_png
    return imageio.imread(io.BytesIO(png))[..., :3].astype(float)


def wait_for(condition, what: str, timeout: float = WAIT_S):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    pytest.fail(f"timed out waiting for {what}")


def differ(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two pictures differ: at least 30 pixels changed clearly (a facility glyph is a few
    hundred; image compression noise changes none by that much)."""
    return a.shape != b.shape or int((np.abs(a - b).max(axis=2) > 40).sum()) >= 30


def changed(driver, before: np.ndarray) -> bool:
    """Whether the view now differs from ``before``."""
    return differ(view_pixels(driver), before)


def settle(driver, timeout: float = 60.0) -> None:
    """Wait until two pictures of the view 2 s apart are alike (the last picture has come)."""
    deadline = time.monotonic() + timeout
    last = view_pixels(driver)
    while time.monotonic() < deadline:
        time.sleep(2.0)
        now = view_pixels(driver)
        if not differ(now, last):
            return
        last = now
    pytest.fail("timed out waiting for the picture to settle")


def click(driver, element_id: str) -> None:
    from selenium.webdriver.common.by import By

    driver.execute_script("arguments[0].click()", driver.find_element(By.ID, element_id))


def clock_text(driver) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, "clock").text.strip()


def test_present_in_a_browser(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(server)
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#city-view canvas, #city-view img"),
             "the 3D view")
    assert "testville_quick" in browser.title or "CityTwin" in browser.title
    wait_for(lambda: view_pixels(browser).std() > 20, "a picture in the 3D view (not blank)")
    time.sleep(1.0)  # let the first full-resolution picture arrive
    kpis = browser.find_element(By.ID, "kpis").text
    assert "population" in kpis and "A - B" in kpis

    start = clock_text(browser)
    before = view_pixels(browser)
    thumb = browser.find_element(By.CSS_SELECTOR, "#city-view ~ * .v-slider-thumb, .v-slider-thumb")
    thumb.send_keys(Keys.ARROW_LEFT, Keys.ARROW_LEFT, Keys.ARROW_LEFT)
    wait_for(lambda: clock_text(browser) != start, "the slider to move the clock")
    wait_for(lambda: changed(browser, before), "the slider to change the picture")

    stopped = clock_text(browser)
    click(browser, "play")
    wait_for(lambda: clock_text(browser) != stopped, "play to advance the clock")
    click(browser, "play")

    before = view_pixels(browser)
    click(browser, "layer-emergency")
    wait_for(lambda: changed(browser, before), "the emergency layer to change the picture")

    before = view_pixels(browser)
    click(browser, "facility-0")
    wait_for(lambda: changed(browser, before), "the hospitals to appear")

    before = view_pixels(browser)
    browser.find_element(By.CSS_SELECTOR, ".v-app-bar .v-field__input").click()  # camera presets
    bridge = wait_for(lambda: [i for i in browser.find_elements(By.CSS_SELECTOR, ".v-list-item")
                               if i.text == "bridge: Test Bridge"], "the camera presets")
    bridge[0].click()
    wait_for(lambda: changed(browser, before), "the bridge camera to change the picture")
    browser.find_element(By.CSS_SELECTOR, ".v-app-bar .v-field__input").click()
    wait_for(lambda: [i for i in browser.find_elements(By.CSS_SELECTOR, ".v-list-item")
                      if i.text == "whole city"], "the camera presets")[0].click()

    for side in ("side-B", "side-A-B", "side-A"):
        before = view_pixels(browser)
        click(browser, side)
        wait_for(lambda shown=before: changed(browser, shown), f"{side} to change the picture")
    assert not browser.find_elements(By.ID, "error")

    shot = os.environ.get("TWIN_PRESENT_SCREENSHOT")
    if shot:  # a larger window for the docs, once the picture has settled; 256 colours
        from viz.export import palette_png

        browser.set_window_size(1400, 950)
        before = view_pixels(browser)
        click(browser, "layer-traffic")
        wait_for(lambda: changed(browser, before), "the traffic layer to come back")
        before = view_pixels(browser)
        click(browser, "side-A-B")
        wait_for(lambda: changed(browser, before), "the difference")
        settle(browser)
        page = imageio.imread(io.BytesIO(browser.get_screenshot_as_png()))
        Path(shot).write_bytes(palette_png(page))

    hosts = set()
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] in ("Network.requestWillBeSent", "Network.webSocketCreated"):
            url = message["params"].get("request", {}).get("url") or message["params"].get("url", "")
            if urlparse(url).scheme in ("http", "https", "ws", "wss"):
                hosts.add(urlparse(url).hostname)
    assert hosts == {"127.0.0.1"}, f"the page asked other hosts: {hosts}"


def test_static_html_renders_in_a_browser_and_fetches_nothing(two_runs, browser, tmp_path):
    from selenium.webdriver.common.by import By

    from twin.cli import main

    page = tmp_path / "diff.html"
    assert main(["view", *map(str, two_runs), "--layer", "traffic", "--diff", "--html", str(page),
                 "--size", "640x400"]) == 0
    text = page.read_text()
    assert not re.findall(r"https?://", text)
    assert "blue: A better (higher), red: A worse" in text and "Headline indicators (2026)" in text
    browser.get("about:blank")  # leave the earlier test's page, then drop its log entries
    browser.get_log("performance")
    browser.get(page.as_uri())
    assert browser.title == "CityTwin - testville_quick vs bridge_closed - traffic 2026"
    pictures = browser.find_elements(By.CSS_SELECTOR, "img.state")
    shown = [p for p in pictures if p.is_displayed()]
    assert len(pictures) == 4 and len(shown) == 1
    first = imageio.imread(io.BytesIO(shown[0].screenshot_as_png))[..., :3].astype(float)
    assert first.std() > 20
    browser.find_elements(By.CSS_SELECTOR, "button")[2].click()
    assert [p.is_displayed() for p in pictures] == [False, False, True, False]
    assert "population" in browser.find_element(By.ID, "kpis").text
    asked = []  # requests made by this page; a late blob of the earlier test's page is not one
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if (message["method"] == "Network.requestWillBeSent"
                and message["params"].get("documentURL") == page.as_uri()):
            asked.append(message["params"]["request"]["url"])
    assert page.as_uri() in asked
    assert all(urlparse(url).scheme in ("file", "data") for url in asked), asked


def test_presenter_refuses_a_year_a_side_lacks(two_runs):
    from viz.layers import RunTables
    from viz.present import Presenter

    presenter = Presenter([RunTables(p) for p in two_runs], size=(320, 200))
    try:
        assert presenter.year == 2026 and presenter.sides() == ["A", "B", "A - B"]
        assert {"whole city", "bridge: Test Bridge"} <= set(presenter.presets)
        assert [[o.label for o in run if o.label] for run in presenter.policy] == [
            [], ["closed in B: Test Bridge"]]  # the policy run's own change
        with pytest.raises(TwinInputError, match=r"--year 2031: the run holds year\(s\) 2025..2026"):
            presenter.set_year(2031)
        assert presenter.year == 2026
        presenter.set_year(2025)
        assert "2025" in presenter.scene.title_actor.GetInput()
        presenter.set_year(2026)
        presenter.set_layer("waste")
        with pytest.raises(TwinInputError, match=r"state/bins is the end-of-run state, of 2026 only"):
            presenter.set_year(2025)
        assert (presenter.year, presenter.layer) == (2026, "waste")  # nothing changed
        with pytest.raises(TwinInputError, match="the difference needs a layer"):
            presenter.set_layer("city")
            presenter.set_side("A - B")
    finally:
        presenter.close()


def test_twin_present_bad_input_is_one_line(two_runs, capsys):
    from twin.cli import main

    assert main(["present", str(two_runs[0]), "--port", "70000"]) == 2
    assert "--port 70000" in capsys.readouterr().err
    assert main(["present", str(two_runs[0]), str(two_runs[0]), str(two_runs[1])]) == 2
    assert "one run or two" in capsys.readouterr().err
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        assert main(["present", str(two_runs[0]), "--port", port]) == 2
    err = capsys.readouterr().err
    assert f"--port {port}: cannot listen there" in err and err.count("\n") == 1


def test_two_run_views_show_one_year_and_refuse_an_end_of_run_year(two_runs, tmp_path, capsys):
    from twin.cli import main

    assert main(["view", *map(str, two_runs), "--layer", "traffic", "--png", str(tmp_path / "ab.png"),
                 "--size", "320x200"]) == 0
    assert main(["view", str(two_runs[0]), "--layer", "traffic", "--year", "2025",
                 "--png", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert "state/link_state is the end-of-run state, of 2026 only; give --time" in err
    assert not (tmp_path / "x.png").exists()
    assert main(["view", str(two_runs[0]), "--layer", "traffic", "--year", "2025", "--time", "03:00",
                 "--png", str(tmp_path / "y.png"), "--size", "320x200"]) == 0
