"""examples/website (the notes site) under a real gunicorn, used by a headless Chromium.

The browser signs in (a session cookie), writes a note through the form with
its CSRF token and an attachment, follows the redirect to the note, and
downloads the attachment; a form whose token was taken out is refused with
the 403 page. The tests run in order: each starts where the previous left.
"""

from __future__ import annotations

import sys
import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from tests.browsers import chromium
from tests.servers import ServerProcess, free_port

WAIT_SECONDS = 30
ATTACHMENT = b"Shopping list:\n- flour\n- eggs \xe2\x9c\x93\n"


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("website")
    for name in ("notes", "downloads", "uploads"):
        (root / name).mkdir()
    return root


@pytest.fixture(scope="module")
def server(folders):
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn",
        "--bind", f"127.0.0.1:{port}",
        "--workers", "1", "--threads", "4", "--worker-class", "gthread",
        "--no-control-socket",
        "examples.website.app:app",
    ]  # fmt: skip
    env = {
        "SECRET_KEY": "browser-test-secret-key-0123456789",
        "NOTES_FOLDER": str(folders / "notes"),
    }
    with ServerProcess(command, port=port, log=folders / "gunicorn.log", env=env) as running:
        yield running


@pytest.fixture(scope="module")
def other_site(folders):
    """Another origin of the same site (127.0.0.1, another port), serving ``folders/other``."""
    (folders / "other").mkdir()
    port = free_port()
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
               "--directory", str(folders / "other")]  # fmt: skip
    with ServerProcess(command, port=port, log=folders / "other-site.log") as running:
        yield running


@pytest.fixture(scope="module")
def browser(folders):
    prefs = {
        "download.default_directory": str(folders / "downloads"),
        "download.prompt_for_download": False,
        "safebrowsing.enabled": False,
    }
    with chromium(window="1280,1200", prefs=prefs) as driver:
        driver.execute_cdp_cmd(
            "Browser.setDownloadBehavior",
            {"behavior": "allow", "downloadPath": str(folders / "downloads")},
        )
        yield driver


def wait_for(driver, selector: str):
    return WebDriverWait(driver, WAIT_SECONDS).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, selector))
    )


def test_signing_in_keeps_the_user_in_a_session_cookie(server, browser):
    base = f"http://127.0.0.1:{server.port}"
    browser.get(base + "/")
    assert wait_for(browser, "h1").text == "Notes"
    assert browser.find_element(By.CSS_SELECTOR, "#notes .empty").text.startswith("No notes yet")
    header = browser.find_element(By.TAG_NAME, "header")
    assert header.value_of_css_property("background-color") == "rgba(37, 87, 214, 1)"  # site.css

    browser.find_element(By.ID, "login").click()
    field = wait_for(browser, "input[name=name]")
    assert browser.current_url == base + "/login"
    field.send_keys("Ada")
    field.submit()

    WebDriverWait(browser, WAIT_SECONDS).until(lambda d: d.find_elements(By.ID, "user"))
    assert browser.current_url == base + "/"  # 303 to home, followed with a GET
    assert browser.find_element(By.ID, "user").text == "Ada"
    cookie = browser.get_cookie("session")
    assert cookie is not None
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    assert browser.execute_script("return document.cookie") == ""  # scripts cannot read it

    browser.get(base + "/notes/new")  # another request: the session came back with it
    assert wait_for(browser, "#user").text == "Ada"


def test_a_note_with_an_attachment_is_created_shown_and_downloaded(server, browser, folders):
    base = f"http://127.0.0.1:{server.port}"
    upload = folders / "uploads" / "shopping list.txt"
    upload.write_bytes(ATTACHMENT)
    browser.get(base + "/")
    browser.find_element(By.LINK_TEXT, "New note").click()
    title = wait_for(browser, "input[name=title]")
    token = browser.find_element(By.CSS_SELECTOR, "input[name=csrf_token]")
    assert len(token.get_attribute("value")) > 40
    title.send_keys("Groceries <b>today</b>")
    browser.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(upload))
    browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()

    heading = wait_for(browser, "article.note h1")
    assert browser.current_url == base + "/notes/1"
    assert heading.text == "Groceries <b>today</b>"  # escaped, shown as text
    assert browser.find_element(By.CSS_SELECTOR, ".author").text == "by Ada"
    link = browser.find_element(By.ID, "attachment")
    assert link.text == "shopping_list.txt"
    assert link.get_attribute("href") == base + "/notes/1/attachment"

    link.click()
    downloaded = folders / "downloads" / "shopping_list.txt"
    deadline = time.monotonic() + WAIT_SECONDS
    while not downloaded.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert downloaded.read_bytes() == ATTACHMENT

    browser.find_element(By.LINK_TEXT, "All notes").click()
    items = [item.text for item in wait_for(browser, "#notes").find_elements(By.TAG_NAME, "li")]
    assert items == ["Groceries <b>today</b> by Ada"]


def test_the_page_receives_the_event_stream(server, browser):
    browser.get(f"http://127.0.0.1:{server.port}/")
    wait_for(browser, "#live-count")
    received = browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        const counts = [];
        const source = new EventSource("/events");
        source.addEventListener("count", (event) => counts.push(JSON.parse(event.data).notes));
        source.addEventListener("end", () => { source.close(); done(counts); });
        source.onerror = () => { source.close(); done(["error", ...counts]); };
        """
    )
    assert received == [1, 1, 1, 1, 1]
    assert browser.find_element(By.ID, "live-count").text == "1"


def test_a_form_without_its_csrf_token_is_refused_with_the_403_page(server, browser):
    base = f"http://127.0.0.1:{server.port}"
    browser.get(base + "/notes/new")
    wait_for(browser, "input[name=title]").send_keys("Forged")
    browser.execute_script("document.querySelector('main input[name=csrf_token]').remove()")
    browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()

    WebDriverWait(browser, WAIT_SECONDS).until(lambda d: d.title == "403 Forbidden")
    assert browser.current_url == base + "/notes/new"
    assert browser.find_element(By.TAG_NAME, "h1").text == "403 Forbidden"
    assert "did not come from this site" in browser.find_element(By.TAG_NAME, "p").text

    browser.get(base + "/")
    titles = [a.text for a in wait_for(browser, "#notes").find_elements(By.TAG_NAME, "a")]
    assert titles == ["Groceries <b>today</b>"]  # no "Forged" note


def test_a_script_posting_a_wrong_token_is_refused(server, browser):
    """A fetch sends the session cookie (same origin) but a token that is not the
    session's: a 403, as JSON since fetch asks for */*. The page's own token passes."""
    base = f"http://127.0.0.1:{server.port}"
    browser.get(base + "/notes/new")
    wait_for(browser, "input[name=title]")
    forged, real = browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        const form = document.querySelector("main form");
        const send = async (token) => {
          const body = new FormData(form);
          body.set("title", "From a script");
          body.set("csrf_token", token);
          const response = await fetch(form.action, {method: "POST", body});
          return [response.status, response.headers.get("Content-Type"), response.url,
                  await response.text()];
        };
        const token = form.querySelector("input[name=csrf_token]").value;
        const other = btoa("x".repeat(64)).replaceAll("+", "-").replaceAll("/", "_");
        send(other).then(async (refused) => done([refused, await send(token)]),
                         (error) => done([String(error), null]));
        """
    )
    status, content_type, url, body = forged
    assert (status, content_type, url) == (403, "application/json", base + "/notes/new")
    assert "CSRF token missing or invalid" in body
    status, _, url, body = real
    assert (status, url) == (200, base + "/notes/2")  # the 303 followed to the new note
    assert "<h1>From a script</h1>" in body


SIGN_OUT_PAGE = """<!doctype html><title>Win a prize</title>
<script>
  // A "simple" request: no preflight, and SameSite=Lax cookies go along, same site.
  fetch("%s/logout", {method: "POST", mode: "no-cors", credentials: "include",
                      headers: {"Content-Type": "Text/Plain"}, body: "x"})
    .then(() => { document.title = "sent"; }, (error) => { document.title = String(error); });
</script>"""


def test_a_page_of_another_origin_cannot_sign_the_user_out(server, other_site, browser, folders):
    base = f"http://127.0.0.1:{server.port}"
    browser.get(base + "/")
    assert wait_for(browser, "#user").text.startswith("Ada")  # signed in since the first test
    (folders / "other" / "prize.html").write_text(SIGN_OUT_PAGE % base)
    browser.get(f"http://127.0.0.1:{other_site.port}/prize.html")
    WebDriverWait(browser, WAIT_SECONDS).until(lambda d: d.title != "Win a prize")
    assert browser.title == "sent"  # the POST went out, with the session cookie

    browser.get(base + "/")
    assert browser.find_elements(By.ID, "user"), "the other origin's POST signed Ada out"
