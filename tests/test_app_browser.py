"""The demo in a real browser: headless Chromium (Debian's `chromium` and `chromium-driver`) driven
by Selenium against `python app.py` on localhost, with the page's default settings. It picks the
example pose, types a prompt, clicks Generate, waits until the video plays, checks that the page
loaded nothing from outside this machine, and saves a screenshot (also to $FYP_APP_SCREENSHOT
when set: `FYP_APP_SCREENSHOT=docs/app_screenshot.png pytest -m slow tests/test_app_browser.py`
refreshes the README's)."""

from __future__ import annotations

import os
import shutil

import pytest

webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium (the [test] extra)")

from app_server import app_server  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = next(filter(None, map(shutil.which, ("chromium", "chromium-browser"))), None)
CHROMEDRIVER = shutil.which("chromedriver")
PROMPT = "a blue figure waving on a beach background"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None or CHROMEDRIVER is None,
                       reason="no chromium / chromedriver on PATH (Debian: apt-get install "
                              "chromium chromium-driver)"),
]


@pytest.fixture
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--window-size=1280,1280"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def video_source(driver, elem_id: str) -> str | None:
    """The src of the <video> inside the component ``elem_id`` once the browser has read its
    metadata (a decodable video), else None."""
    return driver.execute_script(
        "const v = document.querySelector(`#${arguments[0]} video`);"
        "return v && v.src && v.readyState >= 1 ? v.src : null;", elem_id)


def test_example_pose_prompt_generate_in_chromium(browser, tmp_path):
    with app_server(log=tmp_path / "app.log") as (url, _):
        browser.get(url)
        wait = WebDriverWait(browser, 120)
        example = wait.until(lambda d: d.find_element(By.CSS_SELECTOR,
                                                      "#examples button.gallery-item"))
        assert "poseworld_pose.gif" in example.text
        example.click()
        wait.until(lambda d: video_source(d, "skeleton"))   # the skeleton is shown first
        prompt = browser.find_element(By.CSS_SELECTOR, "#prompt textarea, #prompt input")
        words = browser.find_element(By.ID, "unknown-words")
        for text, warned in (("a blue astronaut", True), (PROMPT, False)):
            prompt.send_keys(Keys.CONTROL, "a")
            prompt.send_keys(text)
            wait.until(lambda d, warned=warned: ("astronaut: outside" in words.text) == warned)
        browser.find_element(By.ID, "generate").click()
        source = WebDriverWait(browser, 600).until(lambda d: video_source(d, "video"))
        assert source.startswith(url) and source.endswith(".mp4")
        assert WebDriverWait(browser, 30).until(lambda d: video_source(d, "grid"))
        loaded = browser.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name);")
        assert loaded and [u for u in loaded if not u.startswith(url)] == []
        browser.save_screenshot(str(tmp_path / "app.png"))
    target = os.environ.get("FYP_APP_SCREENSHOT")
    if target:
        shutil.copy(tmp_path / "app.png", target)
