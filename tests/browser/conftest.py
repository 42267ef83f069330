"""Fixtures for the headless Chromium tests of the admin pages: a browser, a signed-in one, screenshots."""
import importlib.util
import os
import shutil
import tempfile

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait


def _e2e_helpers():
    """The e2e suite's conftest under a name of its own (both files are called conftest)."""
    path = os.path.join(os.path.dirname(__file__), "..", "e2e", "conftest.py")
    spec = importlib.util.spec_from_file_location("stocktake_e2e_conftest", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


e2e = _e2e_helpers()
url, db_query, unique, auth_headers = e2e.url, e2e.db_query, e2e.unique, e2e.auth_headers

OUT = os.path.join(os.path.dirname(__file__), "out")
CHROMEDRIVER = "/usr/bin/chromedriver"
WIDTH, HEIGHT = 1366, 900


def _chromium_present():
    return os.path.exists(CHROMEDRIVER) and shutil.which("chromium")


@pytest.fixture(scope="session")
def out_dir():
    os.makedirs(OUT, exist_ok=True)
    return OUT


@pytest.fixture(scope="session")
def downloads():
    d = tempfile.mkdtemp(prefix="stocktake-downloads-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def browser(downloads):
    """One headless Chromium for the whole run, with a fresh profile and a known download folder."""
    if not _chromium_present():
        pytest.skip("chromium and chromium-driver are not installed")
    profile = tempfile.mkdtemp(prefix="stocktake-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--user-data-dir=" + profile,
                "--window-size=%d,%d" % (WIDTH, HEIGHT)):
        opts.add_argument(arg)
    opts.add_experimental_option("prefs", {
        "download.default_directory": downloads,
        "download.prompt_for_download": False,
    })
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(30)
    # Downloads in headless mode need the folder set through DevTools as well.
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": downloads})
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def wait_replaced(driver, old):
    """Waits until the page whose <html> element was old has been replaced by the next one.

    selenium's staleness_of asks the old element whether it is enabled until that raises
    StaleElementReferenceException; when the question lands while Chromium swaps the documents,
    the answer is another error ("Node with given id does not belong to the document"), which
    staleness_of lets through. A fast page makes that more likely; it means the same: gone."""
    def replaced(_):
        try:
            old.is_enabled()
            return False
        except StaleElementReferenceException:
            return True
        except WebDriverException as e:
            if "does not belong to the document" in str(e):
                return True
            raise
    WebDriverWait(driver, 20).until(replaced)


def sign_in(driver, username, password=None):
    """Signs in through the login form (after signing out any earlier user)."""
    driver.delete_all_cookies()
    driver.get(url("/admin/login"))
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(password or username)
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait_replaced(driver, old)
    return driver


@pytest.fixture()
def admin_browser(browser):
    return sign_in(browser, "demo-admin")


def screenshot(driver, out_dir, name, width=WIDTH):
    """Saves a full-height screenshot of the current page as out/<name>.png."""
    height = driver.execute_script("return Math.max(document.body.scrollHeight, 600)")
    driver.set_window_size(width, min(height + 120, 4000))
    path = os.path.join(out_dir, name + ".png")
    driver.save_screenshot(path)
    driver.set_window_size(WIDTH, HEIGHT)
    return path
