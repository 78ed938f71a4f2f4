"""/docs and /dashboard in a real headless Chromium (Debian's), driven by Selenium.

Screenshots of both pages are saved under artifacts/ as test artifacts.
"""

from __future__ import annotations

import sys

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from tests.browsers import chromium
from tests.servers import REPO_ROOT, ServerProcess, free_port

ARTIFACTS = REPO_ROOT / "artifacts"
WAIT_SECONDS = 30


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn",
        "--bind", f"127.0.0.1:{port}",
        "--workers", "1", "--threads", "4", "--worker-class", "gthread",
        "inventory.wsgi:app",
    ]  # fmt: skip
    env = {"DATABASE_URL": f"sqlite:///{tmp / 'inventory.sqlite3'}"}
    with ServerProcess(command, port=port, log=tmp / "gunicorn.log", env=env) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    with chromium() as driver:
        yield driver


def screenshot(driver, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / name))


def test_swagger_ui_lists_the_operations_and_tries_one(server, browser):
    browser.get(f"http://127.0.0.1:{server.port}/docs")
    wait = WebDriverWait(browser, WAIT_SECONDS)
    wait.until(expected_conditions.presence_of_all_elements_located((By.CSS_SELECTOR, ".opblock")))
    blocks = browser.find_elements(By.CSS_SELECTOR, ".opblock")
    summaries = {
        (
            block.find_element(By.CSS_SELECTOR, ".opblock-summary-method").text,
            block.find_element(By.CSS_SELECTOR, ".opblock-summary-path").get_attribute("data-path"),
        )
        for block in blocks
    }
    assert ("POST", "/api/products") in summaries
    assert ("DELETE", "/api/products/{id}") in summaries
    assert len(blocks) == 9
    assert "Inventory" in browser.find_element(By.CSS_SELECTOR, ".info .title").text

    listing = browser.find_element(By.ID, "operations-products-products_collection_get")
    listing.find_element(By.CSS_SELECTOR, ".opblock-summary").click()
    wait.until(lambda _: listing.find_elements(By.CSS_SELECTOR, ".try-out__btn"))
    listing.find_element(By.CSS_SELECTOR, ".try-out__btn").click()
    wait.until(lambda _: listing.find_elements(By.CSS_SELECTOR, ".execute"))
    listing.find_element(By.CSS_SELECTOR, ".execute").click()
    status = wait.until(
        lambda _: listing.find_elements(
            By.CSS_SELECTOR, ".live-responses-table .response .response-col_status"
        )
    )
    assert status[0].text.strip() == "200"
    body = listing.find_element(By.CSS_SELECTOR, ".live-responses-table .microlight").text
    assert "S25 Ultra" in body
    screenshot(browser, "docs.png")


def test_the_dashboard_renders_with_its_stylesheet(server, browser):
    browser.get(f"http://127.0.0.1:{server.port}/dashboard")
    WebDriverWait(browser, WAIT_SECONDS).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, ".category"))
    )
    assert browser.find_element(By.TAG_NAME, "h1").text == "Inventory"
    headings = [h.text for h in browser.find_elements(By.CSS_SELECTOR, ".category h2")]
    assert headings == ["Mobile 2", "Laptop 2"]  # capitalised by main.css
    count = browser.find_element(By.CSS_SELECTOR, ".count")
    assert count.value_of_css_property("background-color") == "rgba(37, 87, 214, 1)"
    screenshot(browser, "dashboard.png")


FAILING_APP = """
from roob import Roob

app = Roob(static_dir=None)


@app.get("/orders/{id:d}")
def order(request, id):
    orders = {1: "paid"}
    return {"status": orders[id]}
"""


@pytest.fixture(scope="module")
def failing_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("debug-page")
    (tmp / "shop.py").write_text(FAILING_APP)
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
               "--chdir", str(tmp), "--no-control-socket", "shop:app"]  # fmt: skip
    env = {"ROOB_DEBUG": "1"}
    with ServerProcess(command, port=port, log=tmp / "gunicorn.log", env=env) as running:
        yield running


def test_the_debug_page_shows_the_traceback_in_the_browser(failing_server, browser):
    browser.get(f"http://127.0.0.1:{failing_server.port}/orders/7")
    WebDriverWait(browser, WAIT_SECONDS).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "details.frame"))
    )
    assert browser.find_element(By.TAG_NAME, "h1").text == "KeyError: 7"
    assert browser.find_element(By.CSS_SELECTOR, "header p").text == "GET /orders/7"
    frames = browser.find_elements(By.CSS_SELECTOR, "details.frame > summary")
    assert any("shop.py" in frame.text and "in order" in frame.text for frame in frames)
    error_line = browser.find_elements(By.CSS_SELECTOR, "details.frame[open] pre .error")[-1]
    assert 'return {"status": orders[id]}' in error_line.text
    header = browser.find_element(By.TAG_NAME, "header")
    assert header.value_of_css_property("background-color") == "rgba(179, 45, 46, 1)"
    screenshot(browser, "debug-page.png")
