"""URLs under SCRIPT_NAME, absolute URLs from a trusted origin, static URLs, redirects."""

from __future__ import annotations

import pytest

from roob import ConfigurationError, Roob, Router, TrustedHostMiddleware, redirect
from roob.exceptions import UnsafeHeader
from roob.testing import TestClient
from roob.urls import current_request


def make_app(tmp_path, **options) -> Roob:
    (tmp_path / "static" / "css").mkdir(parents=True)
    (tmp_path / "static" / "css" / "site.css").write_text("body { color: black }")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "links.html").write_text(
        '{{ url_for("note", id=3) }} {{ static_url("css/site.css") }} {{ request.path_qs }}'
    )
    app = Roob(root_path=tmp_path, static_url="/static", **options)

    @app.get("/notes/{id:d}")
    def note(request, id):
        return {"path": request.url_for("note", id=id), "app": app.url_for("note", id=id)}

    @app.get("/abs")
    def absolute(request):
        return {"url": request.url_for("note", id=1, external=True)}

    @app.get("/links")
    def links(request):
        return app.render("links.html")

    @app.post("/notes")
    def create(request):
        return redirect("note", id=7)

    @app.get("/go")
    def go(request):
        return redirect(request.GET["to"], status=int(request.GET.get("status", 303)))

    return app


def test_paths_start_with_the_script_name(tmp_path) -> None:
    client = TestClient(make_app(tmp_path))
    assert client.get("/notes/3").json() == {"path": "/notes/3", "app": "/notes/3"}
    mounted = client.get("/notes/3", environ={"SCRIPT_NAME": "/sub"})
    assert mounted.json() == {"path": "/sub/notes/3", "app": "/sub/notes/3"}


def test_outside_a_request_url_for_is_the_path_in_the_application(tmp_path) -> None:
    app = make_app(tmp_path)
    assert app.url_for("note", id=3) == "/notes/3"
    assert current_request() is None


def test_templates_get_url_for_static_url_and_request(tmp_path) -> None:
    client = TestClient(make_app(tmp_path))
    text = client.get("/links?x=1", environ={"SCRIPT_NAME": "/sub"}).text
    link, static, here = text.split(" ")
    assert link == "/sub/notes/3"
    assert static.startswith("/sub/static/css/site.css?v=")
    assert here == "/sub/links?x=1"
    assert client.get(static.removeprefix("/sub")).text == "body { color: black }"


def test_the_static_version_changes_with_the_content(tmp_path) -> None:
    app = make_app(tmp_path)
    before = app.url_for_static("css/site.css")
    assert app.url_for_static("/css/site.css") == before  # computed once, then remembered
    (tmp_path / "static" / "css" / "site.css").write_text("body { color: white; }")
    assert app.url_for_static("css/site.css") != before


@pytest.mark.parametrize("path", ["css/missing.css", "../templates/links.html", "css"])
def test_static_url_of_no_file_is_an_error(tmp_path, path: str) -> None:
    with pytest.raises(LookupError, match="no static file"):
        make_app(tmp_path).url_for_static(path)


def test_static_url_needs_a_static_folder() -> None:
    with pytest.raises(ConfigurationError, match="needs a static_dir"):
        Roob(static_dir=None).url_for_static("a.css")


def test_absolute_urls_come_from_the_public_origin(tmp_path) -> None:
    client = TestClient(make_app(tmp_path, public_origin="https://notes.example/"))
    response = client.get("/abs", headers={"Host": "evil.example"}, environ={"SCRIPT_NAME": "/app"})
    assert response.json() == {"url": "https://notes.example/app/notes/1"}


def test_or_from_a_host_the_trusted_host_middleware_checked(tmp_path) -> None:
    app = make_app(tmp_path)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=["notes.example"])
    client = TestClient(app, base_url="https://notes.example:8443")
    assert client.get("/abs").json() == {"url": "https://notes.example:8443/notes/1"}
    # the default port is left out
    assert client.get("/abs", headers={"Host": "notes.example:443"}).json() == {
        "url": "https://notes.example/notes/1"
    }
    plain = TestClient(app, base_url="http://notes.example:80")
    assert plain.get("/abs").json() == {"url": "http://notes.example/notes/1"}


def test_never_from_an_unchecked_host(tmp_path, caplog) -> None:
    app = make_app(tmp_path)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=["*"])
    response = TestClient(app).get("/abs", headers={"Host": "evil.example"})
    assert response.status_code == 500
    assert "evil.example" not in response.text
    assert "public_origin=" in caplog.text


@pytest.mark.parametrize(
    "origin", ["notes.example", "ftp://notes.example", "https://notes.example/app", "https://x?y"]
)
def test_a_public_origin_is_a_scheme_and_a_host(origin: str) -> None:
    with pytest.raises(ConfigurationError, match="must be a scheme and a host"):
        Roob(static_dir=None, public_origin=origin)


def test_redirect_to_a_route_name_with_parameters(tmp_path) -> None:
    client = TestClient(make_app(tmp_path))
    response = client.post("/notes", environ={"SCRIPT_NAME": "/sub"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/sub/notes/7"
    assert response.content == b""
    followed = client.post("/notes", follow_redirects=True)
    assert followed.json()["path"] == "/notes/7"


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize(
    "target", ["/notes/1", "https://example.com/x", "?page=2", "./edit", "#top"]
)
def test_redirect_to_a_url(tmp_path, status: int, target: str) -> None:
    response = TestClient(make_app(tmp_path)).get("/go", query={"to": target, "status": status})
    assert response.status_code == status
    assert response.headers["Location"] == target


@pytest.mark.parametrize(
    ("target", "status"),
    [
        ("//evil.example/", 400),
        ("/\\evil.example", 400),
        ("javascript:alert(1)", 400),
        ("/a\r\nSet-Cookie: x=1", 400),
    ],
)
def test_redirect_targets_that_are_not_allowed(tmp_path, target: str, status: int) -> None:
    response = TestClient(make_app(tmp_path)).get("/go", query={"to": target})
    assert response.status_code == status
    assert "Location" not in response.headers


def test_redirect_mistakes_are_configuration_errors(tmp_path) -> None:
    with pytest.raises(ConfigurationError, match="301, 302, 303, 307 or 308"):
        redirect("/x", status=200)
    with pytest.raises(ConfigurationError, match="a URL or a route name"):
        redirect("")
    with pytest.raises(ConfigurationError, match="parameters are for route names"):
        redirect("/x", id=3)
    with pytest.raises(ConfigurationError, match="only the application serving a request"):
        redirect("note", id=3)
    with pytest.raises(UnsafeHeader):
        redirect("/a\nb")


def test_routes_of_routers_and_unknown_names(tmp_path, caplog) -> None:
    app = make_app(tmp_path)
    users = Router("/users", name="users")

    @users.get("/{id:d}")
    def show(request, id):
        return redirect("users.show", id=id + 1) if id < 2 else {"id": id}

    @users.get("/broken")
    def broken(request):
        return redirect("nowhere")

    app.include_router(users)
    client = TestClient(app)
    assert client.get("/users/1").headers["Location"] == "/users/2"
    assert client.get("/users/broken").status_code == 500
    assert "no route is named 'nowhere'" in caplog.text


def test_requests_made_by_hand_have_no_application() -> None:
    from roob import Request

    request = Request.blank("/")
    assert request.app is None
    with pytest.raises(ConfigurationError, match="made by an application"):
        request.url_for("x")
    with pytest.raises(ConfigurationError, match="needs a secret key"):
        request.session  # noqa: B018
