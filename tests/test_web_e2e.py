"""End to end in headless Chromium: search, filter by a facet, open a section, sign in, correct a tag
and see it in search; upload a reply and follow it; switch to Spanish; keyboard shortcuts.

Drives Debian's ``chromium`` through ``/usr/bin/chromedriver`` with Selenium (no driver or browser is
ever downloaded), against the app served by waitress on a free loopback port. Screenshots of each
step go to a temporary folder, printed at the end (``pytest -s`` shows it). Skips cleanly when
chromium, chromedriver or selenium is missing (scripts/install-system-deps.sh installs them).
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from test_web_support import REVIEWER, SECRET, make_web_data

from ingest.settings import Settings
from web import WebConfig, create_app

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
_DRIVER = Path("/usr/bin/chromedriver")
CHROMEDRIVER = str(_DRIVER) if _DRIVER.exists() else shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="chromium or chromedriver is missing")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

BROWSER_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1366,900", "--lang=en-US")
CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "replies"


@pytest.fixture(scope="module")
def data_dir(corpus_catalog, tmp_path_factory) -> Path:
    return make_web_data(corpus_catalog, tmp_path_factory.mktemp("web-e2e"))


@pytest.fixture(scope="module")
def server(data_dir):
    """The app under waitress on 127.0.0.1 and a free port, in a thread; yields its base URL."""
    from waitress.server import create_server

    app = create_app(Settings(data_dir), WebConfig(secret_key=SECRET))
    httpd = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=httpd.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.effective_port}", app
    httpd.close()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    folder = tmp_path_factory.mktemp("web-screenshots")
    yield folder
    print(f"\nscreenshots in {folder}")


@pytest.fixture()
def browser(tmp_path):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*BROWSER_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": "en-US,en"})
    service = webdriver.ChromeService(executable_path=CHROMEDRIVER)
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def wait_for(driver, css: str, timeout: float = 20):
    return WebDriverWait(driver, timeout).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))


def hit_ids(driver) -> list[str]:
    return [e.get_attribute("data-id") for e in driver.find_elements(By.CSS_SELECTOR, "li.hit")]


def test_search_filter_open_sign_in_correct_and_find_it(server, browser, shots, data_dir):
    base, _ = server
    browser.get(base + "/")
    box = wait_for(browser, "#q")
    box.send_keys("violencia", Keys.ENTER)
    WebDriverWait(browser, 20).until(lambda d: "violencia" in d.current_url)  # the results page, not the old one
    heading = wait_for(browser, "#results-heading")
    assert "sections match" in heading.text and hit_ids(browser)
    browser.save_screenshot(str(shots / "01-search.png"))

    facet = browser.find_element(By.CSS_SELECTOR, '#facet-pillar a[data-value="2"]')
    expected = int(facet.find_element(By.CSS_SELECTOR, ".count").text)
    facet.click()
    WebDriverWait(browser, 20).until(lambda d: "pillar=2" in d.current_url)
    assert wait_for(browser, "#results-heading").text.startswith(f"{expected} section")
    assert browser.find_element(By.CSS_SELECTOR, "ul.chips a.chip").text.startswith("Pillar: 2")
    browser.save_screenshot(str(shots / "02-facet.png"))

    first = browser.find_element(By.CSS_SELECTOR, "li.hit h2 a")
    sid = browser.find_element(By.CSS_SELECTOR, "li.hit").get_attribute("data-id")
    first.click()
    title = wait_for(browser, "#section-title").text
    assert browser.current_url.endswith(f"/section/{sid}")
    assert browser.find_elements(By.CSS_SELECTOR, "#tags .tag-row")
    browser.save_screenshot(str(shots / "03-section.png"))

    browser.find_element(By.ID, "sign-in").click()
    wait_for(browser, "#name").send_keys(REVIEWER[0])
    browser.find_element(By.ID, "password").send_keys(REVIEWER[1], Keys.ENTER)
    wait_for(browser, "#save-tags")
    assert browser.current_url.endswith(f"/section/{sid}") and "Signed in as rita" in browser.page_source
    browser.save_screenshot(str(shots / "04-signed-in.png"))

    for box in browser.find_elements(By.CSS_SELECTOR, ".review-form input[type=checkbox]:checked"):
        box.click()
    browser.find_element(By.ID, "theme-5-3").click()
    browser.find_element(By.ID, "note").send_keys("belongs to pillar 5")
    browser.find_element(By.ID, "save-tags").click()
    # the signed-in page already shows a .flash.info (the welcome): wait for the new page's message
    WebDriverWait(browser, 20).until(lambda d: "Saved. Pillars:" in d.page_source)
    assert "Saved. Pillars: 5; thematic areas: 5.3." in browser.page_source
    rows = {(r.get_attribute("data-kind"), r.get_attribute("data-code"))
            for r in browser.find_elements(By.CSS_SELECTOR, "#tags .tag-row")}
    assert rows == {("pillar", "5"), ("theme", "5.3")}
    assert "rita" in browser.find_element(By.ID, "history").text
    browser.save_screenshot(str(shots / "05-corrected.png"))

    browser.find_element(By.CSS_SELECTOR, "header nav a[href='/']").click()
    WebDriverWait(browser, 20).until(lambda d: "/section/" not in d.current_url)  # the home page
    browser.find_element(By.CSS_SELECTOR, "input[name=translate][value=no]").click()  # words as typed
    wait_for(browser, "#q").send_keys(f'"{title}"', Keys.ENTER)  # as a phrase: few other hits
    WebDriverWait(browser, 20).until(lambda d: "q=" in d.current_url)
    wait_for(browser, "#results-heading")
    browser.find_element(By.CSS_SELECTOR, '#facet-theme a[data-value="5.3"]').click()
    WebDriverWait(browser, 20).until(lambda d: "theme=5.3" in d.current_url)
    assert sid in hit_ids(browser)
    badges = browser.find_element(By.CSS_SELECTOR, f'li.hit[data-id="{sid}"] .badges').text
    assert "P5" in badges and "5.3" in badges and "P2" not in badges
    browser.save_screenshot(str(shots / "06-found-after-review.png"))


def test_keyboard_spanish_and_upload(server, browser, shots):
    base, app = server
    browser.get(base + "/?q=juventud")
    wait_for(browser, "#results-heading")
    browser.find_element(By.TAG_NAME, "body").send_keys("/")
    assert browser.switch_to.active_element.get_attribute("id") == "q"
    browser.get(base + "/?q=juventud")
    wait_for(browser, "#results-heading")
    ActionChains(browser).send_keys(Keys.TAB).perform()  # the first Tab reaches "Skip to content"
    assert browser.switch_to.active_element.get_attribute("class") == "skip"
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    assert browser.current_url.endswith("#main")

    browser.find_element(By.LINK_TEXT, "Español").click()
    wait_for(browser, "html[lang=es]")
    assert "q=juventud" in browser.current_url
    assert "Buscar" in browser.find_element(By.CSS_SELECTOR, "header nav").text
    browser.save_screenshot(str(shots / "07-spanish.png"))
    browser.find_element(By.LINK_TEXT, "English").click()
    wait_for(browser, "html[lang=en]")

    browser.get(base + "/login?next=/upload")
    wait_for(browser, "#name").send_keys(REVIEWER[0])
    browser.find_element(By.ID, "password").send_keys(REVIEWER[1], Keys.ENTER)
    upload = wait_for(browser, "#files")
    upload.send_keys(str(CORPUS / "pan-2015-tableeml.eml"))
    browser.find_element(By.ID, "upload-button").click()
    # The job page reloads itself every 2 s while the job runs: read its state in one script call,
    # so a reload between finding the element and reading it cannot leave a stale reference.
    WebDriverWait(browser, 240).until(lambda d: d.execute_script(
        "const job = document.getElementById('job'); return job && job.dataset.state;") == "done")
    assert "Finished" in browser.page_source and "pan-2015-tableeml.eml" in browser.page_source
    browser.save_screenshot(str(shots / "08-upload-done.png"))

    browser.get(base + "/report")
    wait_for(browser, "img.chart")
    assert browser.execute_script("return document.querySelector('img.chart').naturalWidth") > 0
    browser.save_screenshot(str(shots / "09-report.png"))
