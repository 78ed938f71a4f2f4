"""CSRF protection: unsafe form requests carry the session's token."""

from __future__ import annotations

import re

import pytest

from roob import ConfigurationError, Roob, csrf_token
from roob.csrf import verify_csrf_token
from roob.testing import TestClient

KEY = "k" * 32


def make_app(tmp_path, **options) -> Roob:
    (tmp_path / "templates").mkdir(exist_ok=True)
    (tmp_path / "templates" / "form.html").write_text(
        '<form method="post"><input name="csrf_token" value="{{ csrf_token() }}"></form>'
    )
    app = Roob(root_path=tmp_path, static_dir=None, secret_key=KEY, **options)

    @app.get("/form")
    def form(request):
        return app.render("form.html")

    @app.post("/notes")
    def create(request):
        return {"created": request.form.get("title")}, 201

    @app.route("/notes/{id:d}", ["PUT", "DELETE", "PATCH"])
    def change(request, id):
        return {"id": id}

    @app.post("/webhook", csrf=False)
    def webhook(request):
        return {"ok": True}

    @app.get("/token")
    def token(request):
        return {"token": csrf_token(request)}

    return app


def token_from_page(client: TestClient) -> str:
    return re.search(r'value="([^"]+)"', client.get("/form").text).group(1)


def test_a_form_post_with_the_pages_token_passes(tmp_path) -> None:
    client = TestClient(make_app(tmp_path, csrf=True))
    token = token_from_page(client)
    response = client.post("/notes", data={"title": "T", "csrf_token": token})
    assert (response.status_code, response.json()) == (201, {"created": "T"})
    response = client.post(
        "/notes", files={"doc": ("a", b"a", "text/plain")}, data={"csrf_token": token}
    )
    assert response.status_code == 201


def test_the_header_carries_the_token_for_scripts(tmp_path) -> None:
    client = TestClient(make_app(tmp_path, csrf=True))
    token = client.get("/token").json()["token"]
    for method in ("PUT", "DELETE", "PATCH"):
        response = client.request(method, "/notes/3", headers={"X-CSRF-Token": token})
        assert response.status_code == 200, method


def test_every_token_given_verifies_and_they_differ(tmp_path) -> None:
    client = TestClient(make_app(tmp_path, csrf=True))
    first, second = token_from_page(client), token_from_page(client)
    assert first != second  # masked anew each time (BREACH)
    for token in (first, second):
        assert client.post("/notes", data={"csrf_token": token}).status_code == 201


@pytest.mark.parametrize(
    ("data", "headers"),
    [
        ({"title": "T"}, {}),
        ({"csrf_token": ""}, {}),
        ({"csrf_token": "not base64 at all!"}, {}),
        ({"csrf_token": "AAAA"}, {}),
        ({"csrf_token": "é"}, {}),
        (b"", {"Content-Type": "text/plain"}),
        (None, {}),  # no body, no Content-Type: a cross-site fetch can send that
    ],
)
def test_a_missing_or_wrong_token_is_a_403(tmp_path, data, headers) -> None:
    client = TestClient(make_app(tmp_path, csrf=True))
    token_from_page(client)  # the session has a secret
    response = client.post("/notes", data=data, headers=headers)
    assert response.status_code == 403
    assert "CSRF token missing or invalid" in response.json()["message"]


def test_a_token_of_another_session_is_refused(tmp_path) -> None:
    app = make_app(tmp_path, csrf=True)
    alice, mallory = TestClient(app), TestClient(app)
    token = token_from_page(mallory)
    token_from_page(alice)
    assert alice.post("/notes", data={"csrf_token": token}).status_code == 403


def test_a_token_without_a_session_is_refused(tmp_path) -> None:
    app = make_app(tmp_path, csrf=True)
    token = token_from_page(TestClient(app))
    assert TestClient(app).post("/notes", data={"csrf_token": token}).status_code == 403


def test_browsers_get_a_page(tmp_path) -> None:
    client = TestClient(make_app(tmp_path, csrf=True))
    response = client.post(
        "/notes", data={}, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    )
    assert response.status_code == 403
    assert response.headers["Content-Type"].startswith("text/html")
    assert "did not come from this site" in response.text


def test_json_requests_and_exempt_routes_pass(tmp_path) -> None:
    client = TestClient(make_app(tmp_path, csrf=True))
    assert client.post("/notes", json={"title": "T"}).status_code == 201
    assert client.post("/webhook", data={"a": "1"}).status_code == 200
    assert client.get("/form").status_code == 200


def test_a_route_can_ask_for_protection_when_the_default_is_off(tmp_path) -> None:
    app = make_app(tmp_path)

    @app.post("/transfer", csrf=True)
    def transfer(request):
        return {}

    client = TestClient(app)
    assert client.post("/notes", data={}).status_code == 201
    assert client.post("/transfer", data={}).status_code == 403


def test_csrf_without_sessions_fails_at_registration() -> None:
    app = Roob(static_dir=None)

    def transfer(request):
        return {}

    with pytest.raises(ConfigurationError, match=r"route '/transfer'.*csrf=True needs sessions"):
        app.add_route("/transfer", transfer, ["POST"], csrf=True)


def test_a_secret_that_is_not_ours_is_replaced(tmp_path) -> None:
    app = make_app(tmp_path, csrf=True)
    seen = []

    @app.get("/spoil")
    def spoil(request):
        request.session["_csrf_secret"] = request.GET["value"]
        return {}

    @app.get("/check")
    def check(request):
        seen.append(verify_csrf_token(request, request.GET["token"]))
        return {"token": csrf_token(request)}

    client = TestClient(app)
    for value in ("!!!", "AAA", "AAAA"):
        client.get("/spoil", query={"value": value})
        fresh = client.get("/check", query={"token": "x"}).json()["token"]
        assert client.post("/notes", data={"csrf_token": fresh}).status_code == 201
    assert seen == [False, False, False]


def test_csrf_token_in_a_template_rendered_outside_a_request(tmp_path) -> None:
    app = make_app(tmp_path, csrf=True)
    with pytest.raises(ConfigurationError, match="for pages rendered in a request"):
        app.template("form.html")


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("Text/Plain", b"title=T"),
        ("TEXT/PLAIN; charset=utf-8", b"title=T"),
        ("Application/X-WWW-Form-Urlencoded", b"title=T"),
        (
            " Multipart/Form-Data ; boundary=x",
            b'--x\r\nContent-Disposition: form-data; name="title"\r\n\r\nT\r\n--x--\r\n',
        ),
    ],
)
def test_the_media_type_is_compared_whatever_its_case_and_spaces(
    tmp_path, content_type: str, body: bytes
) -> None:
    client = TestClient(make_app(tmp_path, csrf=True))
    token_from_page(client)
    response = client.post("/notes", data=body, headers={"Content-Type": content_type})
    assert response.status_code == 403


def test_a_form_in_capitals_is_read(tmp_path) -> None:
    client = TestClient(make_app(tmp_path, csrf=True))
    token = token_from_page(client)
    response = client.post(
        "/notes",
        data=f"title=T&csrf_token={token}".encode(),
        headers={"Content-Type": "Application/X-WWW-Form-Urlencoded"},
    )
    assert (response.status_code, response.json()) == (201, {"created": "T"})
