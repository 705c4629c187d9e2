"""The web page in a real headless Chromium: a contact's timeline and the tasks written to it.

Needs Debian's ``chromium`` and ``chromium-driver`` (``apt-get install chromium
chromium-driver``); the screenshots are kept next to the test's temporary files.
"""

import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


@pytest.fixture
def browser(tmp_path):
    if not (Path(CHROMIUM).exists() and Path(DRIVER).exists()):
        pytest.skip("install Debian's chromium and chromium-driver for the browser test")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 f"--user-data-dir={tmp_path / 'chromium'}", "--window-size=1280,900",
                 "--no-proxy-server"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
    shutil.rmtree(tmp_path / "chromium", ignore_errors=True)


def test_contact_timeline_and_tasks_render(browser, sbx, sf, tmp_path):
    from selenium.webdriver.common.by import By

    rec = sf.query("SELECT Id, Email FROM Contact ORDER BY Email LIMIT 1")["records"][0]
    sf.Task.upsert("Empathy_Key__c/browser-task", {"WhoId": rec["Id"],
                                                  "Subject": "Offer a quick product review"})
    browser.get(sbx.web_url)
    search = browser.find_element(By.NAME, "q")
    search.send_keys(rec["Email"])
    search.submit()
    links = browser.find_elements(By.CSS_SELECTOR, "#contacts a")
    assert len(links) == 1
    browser.save_screenshot(str(tmp_path / "contacts.png"))
    links[0].click()
    assert rec["Email"] in browser.find_element(By.TAG_NAME, "body").text
    tasks = browser.find_element(By.ID, "tasks").text
    assert "Offer a quick product review" in tasks and "browser-task" in tasks
    timeline_rows = browser.find_elements(By.CSS_SELECTOR, "#timeline tr")
    assert len(timeline_rows) > 1
    shot = tmp_path / "contact.png"
    assert browser.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
