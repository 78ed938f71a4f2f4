"""roob/staticfiles.py: WhiteNoise serves static_dir (at the root by default)."""

from __future__ import annotations

import importlib
import os
import re
import sys
import warnings
from http import HTTPStatus

import pytest

from roob import ConfigurationError, Roob
from roob.testing import TestClient

FILES = {
    "css/main.css": "body { color: red; }",
    "js/vendor/lib.js": "console.log('lib');",
    "robots.txt": "User-agent: *",
}


@pytest.fixture
def static_dir(tmp_path, write_files):
    return write_files(tmp_path / "static", FILES)


def make_client(static_dir, **options):
    app = Roob(static_dir=static_dir, **options)

    @app.get("/api/items")
    def items(request):
        return [1, 2]

    return TestClient(app)


@pytest.fixture
def client(static_dir):
    return make_client(static_dir)


def test_a_file_is_served_at_the_root(client):
    response = client.get("/css/main.css")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/css")
    assert response.text == FILES["css/main.css"]
    assert "max-age=60" in response.headers["Cache-Control"]


@pytest.mark.parametrize("path", ["js/vendor/lib.js", "robots.txt"])
def test_files_in_subfolders_and_at_the_top(client, path):
    response = client.get(f"/{path}")
    assert response.status_code == 200
    assert response.text == FILES[path]


def test_head_of_a_static_file(client):
    response = client.head("/css/main.css")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["Content-Length"] == str(len(FILES["css/main.css"]))


def test_a_missing_static_file_is_the_json_404(client):
    response = client.get("/css/missing.css")
    assert response.status_code == 404
    assert response.json() == {"message": "Requested path: /css/missing.css does not exist"}


def test_routes_work_alongside_static_files(client):
    assert client.get("/api/items").json() == [1, 2]
    assert client.post("/api/items").status_code == 405


def test_a_conditional_request_is_answered_304(client):
    etag = client.get("/css/main.css").headers["ETag"]
    response = client.get("/css/main.css", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.content == b""


@pytest.mark.parametrize("static_url", ["/static", "/static/", "static"])
def test_a_url_prefix(static_dir, static_url):
    client = make_client(static_dir, static_url=static_url)
    response = client.get("/static/css/main.css")
    assert response.status_code == 200
    assert response.text == FILES["css/main.css"]
    assert client.get("/static/js/vendor/lib.js").text == FILES["js/vendor/lib.js"]
    assert client.get("/css/main.css").status_code == 404
    assert client.get("/api/items").json() == [1, 2]


def test_no_static_folder_is_fine_and_silent(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        client = make_client(None)
        assert client.get("/api/items").json() == [1, 2]
        response = client.get("/css/main.css")
    assert response.status_code == 404
    assert response.json() == {"message": "Requested path: /css/main.css does not exist"}


def test_the_default_static_folder_may_be_absent(tmp_path, recwarn):
    assert Roob(root_path=tmp_path).static_dir == str(tmp_path / "static")
    assert [str(w.message) for w in recwarn] == []


@pytest.mark.parametrize("option", ["static_dir", "template_dir"])
def test_a_folder_given_that_does_not_exist_is_refused(tmp_path, option):
    message = (
        f"{option}='nothing-here' is not a folder ({tmp_path / 'nothing-here'} does not exist)"
    )
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        Roob(root_path=tmp_path, **{option: "nothing-here"})


def test_the_default_static_dir_is_static_beside_the_module_that_made_the_app(
    static_dir, tmp_path, monkeypatch
):
    (tmp_path / "shop.py").write_text("from roob import Roob\napp = Roob()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir("/")  # wherever the process runs from
    shop = importlib.import_module("shop")
    monkeypatch.delitem(sys.modules, "shop")
    client = TestClient(shop.app)
    assert shop.app.root_path == str(tmp_path)
    assert client.get("/robots.txt").text == FILES["robots.txt"]


def test_root_path_says_where_relative_folders_are(static_dir, tmp_path):
    client = TestClient(Roob(root_path=tmp_path, static_dir="static"))
    assert client.get("/robots.txt").text == FILES["robots.txt"]


def test_files_are_indexed_at_start_up(static_dir, client, write_files):
    write_files(static_dir, {"late.txt": "added later"})
    assert client.get("/late.txt").status_code == 404


def test_debug_serves_files_added_later(static_dir, write_files):
    client = make_client(static_dir, debug=True)
    write_files(static_dir, {"late.txt": "added later"})
    assert client.get("/late.txt").text == "added later"


@pytest.mark.parametrize("debug", [False, True])
def test_files_outside_the_folder_are_not_served(tmp_path, static_dir, write_files, debug):
    write_files(tmp_path, {"secret.txt": "password"})
    client = make_client(static_dir, debug=debug)
    for path in ("/../secret.txt", "/css/../../secret.txt", "/%2e%2e/secret.txt"):
        response = client.get("/", environ={"PATH_INFO": path})
        assert "password" not in response.text
        assert response.status_code == 404


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "OPTIONS"])
def test_other_methods_on_a_file_are_a_json_405(client, method):
    response = client.request(method, "/css/main.css")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD"
    assert response.json() == {"message": f"{method} request is not allowed for /css/main.css"}


def test_a_range_past_the_end_is_a_json_416(client):
    response = client.get("/robots.txt", headers={"Range": "bytes=1000-2000"})
    assert response.status_code == 416
    assert response.headers["Content-Range"] == "bytes */13"
    assert response.json() == {"message": HTTPStatus(416).phrase}  # its name varies by Python
    head = client.head("/robots.txt", headers={"Range": "bytes=1000-2000"})
    assert (head.status_code, head.content) == (416, b"")


def test_a_range_is_served(client):
    response = client.get("/robots.txt", headers={"Range": "bytes=0-3"})
    assert (response.status_code, response.content) == (206, b"User")


class ShopApp(Roob):
    """An application class of the user's own."""

    def __init__(self) -> None:
        super().__init__()


def test_a_subclass_reads_its_folders_beside_the_module_that_creates_it(tmp_path):
    assert ShopApp().root_path == os.path.dirname(__file__)
