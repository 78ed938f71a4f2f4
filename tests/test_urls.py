"""URLs under SCRIPT_NAME, absolute URLs from a trusted origin, static URLs, redirects."""

from __future__ import annotations

import pytest

from roob import (
    ConfigurationError,
    InvalidURLParameter,
    Roob,
    Router,
    TrustedHostMiddleware,
    redirect,
    redirect_to,
    url_has_allowed_host_and_scheme,
)
from roob.exceptions import UnsafeRedirect
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
        return redirect_to("note", id=7)

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
    "target",
    [
        "/notes/1",
        "https://example.com/x",
        "HTTP://example.com/x",
        "?page=2",
        "./edit",
        "#top",
        # A word is a relative URL, never a route name (Flask sends it as it is).
        "edit",
        "evil.example",
        "note",
        # Django's good_urls (tests/utils_tests/test_http.py, URLHasAllowedHostAndSchemeTests)
        "/view/?param=http://example.com",
        "view/?param=//example.com",
        "/url%20with%20spaces/",
        "path/http:2222222222",
    ],
)
def test_redirect_to_a_url(tmp_path, status: int, target: str) -> None:
    response = TestClient(make_app(tmp_path)).get("/go", query={"to": target, "status": status})
    assert response.status_code == status
    assert response.headers["Location"] == target


# Another host in disguise, or a scheme that runs code: what a browser reads as
# leaving the site although Python's urlsplit sees no host. From Django's bad_urls
# (tests/utils_tests/test_http.py, URLHasAllowedHostAndSchemeTests.test_bad_urls)
# less the full http(s) URLs, which redirect() sends on purpose, and from the OWASP
# Unvalidated Redirects and Forwards cheat sheet / its open-redirect payload list.
DISGUISED_TARGETS = [
    "//evil.example/",
    "///evil.example",
    "////evil.example",
    "\\\\evil.example",
    "\\\\\\evil.example",
    "/\\\\/evil.example",
    "\\\\//evil.example",
    "/\\/evil.example",
    "\\/evil.example",
    "/\\evil.example",
    "\\//evil.example",
    "  \\/evil.example",
    " //evil.example",
    "//evil.example ",
    "\t//evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "\x00//evil.example",
    "\x08//evil.example",
    "\x7f//evil.example",
    "\x85//evil.example",
    "http:///example.com",
    "http:/\\//example.com",
    "http:\\/example.com",
    "http:/\\example.com",
    "https:evil.example",
    "https:/evil.example",
    "http:999999999",
    "ftp:9999999999",
    "ftp://example.com",
    'javascript:alert("XSS")',
    "JaVaScRiPt:alert(1)",
    "\njavascript:alert(x)",
    "java\nscript:alert(x)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "\n",
    " ",
    "",
    "http://[2001:cdba:0000:0000:0000:0000:3257:9652/",
    "http://2001:cdba:0000:0000:0000:0000:3257:9652]/",
    "http://evil.example:port/",
    "/a\r\nSet-Cookie: x=1",
]


@pytest.mark.parametrize("target", DISGUISED_TARGETS)
def test_redirect_refuses_another_host_in_disguise_with_a_400(tmp_path, target: str) -> None:
    response = TestClient(make_app(tmp_path)).get("/go", query={"to": target})
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert response.json()["message"].startswith("Redirect")


@pytest.mark.parametrize("target", DISGUISED_TARGETS)
def test_the_helper_refuses_every_disguise_too(target: str) -> None:
    assert url_has_allowed_host_and_scheme(target) is False


# Django's bad_urls, with its allowed hosts (the same test as above).
@pytest.mark.parametrize(
    "url",
    [
        "http://example.com",
        "http:///example.com",
        "https://example.com",
        "ftp://example.com",
        r"\\example.com",
        r"\\\example.com",
        r"/\\/example.com",
        r"\\//example.com",
        r"/\/example.com",
        r"\/example.com",
        r"/\example.com",
        r"http:/\//example.com",
        r"http:\/example.com",
        r"http:/\example.com",
        'javascript:alert("XSS")',
        "\njavascript:alert(x)",
        "java\nscript:alert(x)",
        "\x08//example.com",
        r"http://otherserver\@example.com",
        r"http:\\testserver\@example.com",
        r"http://testserver\me:pass@example.com",
        r"http://testserver\@example.com",
        r"http:\\testserver\confirm\me@example.com",
        "http:999999999",
        "ftp:9999999999",
        "\n",
        "http://[2001:cdba:0000:0000:0000:0000:3257:9652/",
        "http://2001:cdba:0000:0000:0000:0000:3257:9652]/",
        None,
        "",
    ],
)
def test_urls_to_other_hosts_are_not_allowed(url: str | None) -> None:
    assert (
        url_has_allowed_host_and_scheme(url, allowed_hosts={"testserver", "testserver2"}) is False
    )


# Django's good_urls, with its allowed hosts; each one redirect() sends as it is.
@pytest.mark.parametrize(
    "url",
    [
        "/view/?param=http://example.com",
        "/view/?param=https://example.com",
        "/view?param=ftp://example.com",
        "view/?param=//example.com",
        "https://testserver/",
        "HTTPS://testserver/",
        "https://TestServer/",
        "//testserver/",
        "http://testserver/confirm?email=me@example.com",
        "/url%20with%20spaces/",
        "path/http:2222222222",
        "?next=1",
        "#top",
    ],
)
def test_paths_and_urls_to_allowed_hosts_are_allowed(url: str) -> None:
    assert url_has_allowed_host_and_scheme(url, allowed_hosts={"otherserver", "testserver"})
    if not url.startswith("//"):  # a scheme-relative URL is written with its scheme for redirect()
        assert redirect(url).headers["Location"] == url


def test_allowed_hosts_may_be_one_host_none_or_carry_credentials() -> None:
    # Django: test_allowed_hosts_str, test_no_allowed_hosts, test_basic_auth.
    assert url_has_allowed_host_and_scheme("http://good.com/good", allowed_hosts="good.com")
    assert not url_has_allowed_host_and_scheme("http://good.co/evil", allowed_hosts="good.com")
    assert url_has_allowed_host_and_scheme("/confirm/me@example.com")
    assert not url_has_allowed_host_and_scheme("http://testserver\\@example.com")
    assert not url_has_allowed_host_and_scheme("https://shop.example/")  # no host is allowed
    assert url_has_allowed_host_and_scheme(
        "http://user:pass@testserver/", allowed_hosts={"user:pass@testserver"}
    )


def test_require_https_refuses_plain_http_and_scheme_relative_urls() -> None:
    # Django: test_secure_param_https_urls, test_secure_param_non_https_urls.
    for url in (
        "https://example.com/p",
        "HTTPS://example.com/p",
        "/view/?param=http://example.com",
    ):
        assert url_has_allowed_host_and_scheme(url, {"example.com"}, require_https=True)
    for url in ("http://example.com/p", "ftp://example.com/p", "//example.com/p"):
        assert not url_has_allowed_host_and_scheme(url, {"example.com"}, require_https=True)


def test_the_documented_next_pattern_is_no_open_redirect(tmp_path) -> None:
    """A login's ?next= checked with the helper lands on the site whatever the client sends;
    checked the naive way (urlsplit: no scheme, no host) it would not."""
    app = make_app(tmp_path)

    @app.post("/login")
    def login(request):
        target = request.GET.get("next")
        if url_has_allowed_host_and_scheme(target):
            return redirect(target)
        return redirect_to("note", id=1)

    client = TestClient(app)
    assert client.post("/login", query={"next": "/notes/9"}).headers["Location"] == "/notes/9"
    for target in [*DISGUISED_TARGETS, "https://evil.example/", "evil.example"]:
        response = client.post("/login", query={"next": target})
        location = response.headers["Location"]
        assert location in ("/notes/1", "evil.example"), target  # "evil.example" is a path here


def test_non_ascii_targets_are_sent_percent_encoded_in_utf_8() -> None:
    assert redirect("/café?q=ü").headers["Location"] == "/caf%C3%A9?q=%C3%BC"


def test_redirect_mistakes_are_configuration_errors() -> None:
    with pytest.raises(ConfigurationError, match="301, 302, 303, 307 or 308"):
        redirect("/x", status=200)
    with pytest.raises(ConfigurationError, match="301, 302, 303, 307 or 308"):
        redirect_to("x", status=200)
    with pytest.raises(ConfigurationError, match="for a route use redirect_to"):
        redirect(None)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="only the application serving a request"):
        redirect_to("note", id=3)
    with pytest.raises(UnsafeRedirect):  # a client's empty ?next= is a 400, not a 500
        redirect("")


def test_routes_of_routers_and_unknown_names(tmp_path, caplog) -> None:
    app = make_app(tmp_path)
    users = Router("/users", name="users")

    @users.get("/{id:d}")
    def show(request, id):
        return redirect_to("users.show", id=id + 1) if id < 2 else {"id": id}

    @users.get("/broken")
    def broken(request):
        return redirect_to("nowhere")

    app.include_router(users)
    client = TestClient(app)
    assert client.get("/users/1").headers["Location"] == "/users/2"
    assert client.get("/users/broken").status_code == 500  # the application's own mistake
    assert "no route is named 'nowhere'" in caplog.text


@pytest.mark.parametrize(
    ("route", "value"),
    [
        ("tag", "a/b"),
        ("tag", ""),
        ("tag", "."),
        ("tag", ".."),
        ("note", "abc"),
        ("note", "-1"),
        ("note", None),
        ("file", "../etc/passwd"),
        ("file", "a/./b"),
        ("file", ""),
    ],
)
def test_a_client_value_a_route_cannot_hold_is_a_400(tmp_path, route, value) -> None:
    """Werkzeug percent-encodes, Starlette asserts and Django raises NoReverseMatch: here
    the value is refused with a 400 that names the parameter, never a 500."""
    app = make_app(tmp_path)

    @app.get("/tags/{tag}")
    def tag(request, tag):
        return {}

    @app.get("/files/{name:path}")
    def file(request, name):
        return {}

    parameter = {"tag": "tag", "note": "id", "file": "name"}[route]

    @app.get("/link")
    def link(request):
        return {"link": request.url_for(route, **{parameter: request.GET.get("v")})}

    query = {} if value is None else {"v": value}
    response = TestClient(app).get("/link", query=query)
    assert response.status_code == 400
    assert response.json()["message"].startswith(f"Cannot build a link with {parameter}: ")
    with pytest.raises(InvalidURLParameter) as raised:
        app.url_for(route, **{parameter: value})
    assert (raised.value.parameter, raised.value.status) == (parameter, 400)
    assert isinstance(raised.value, ValueError)


def test_values_a_route_can_hold_are_percent_encoded(tmp_path) -> None:
    app = make_app(tmp_path)

    @app.get("/tags/{tag}")
    def tag(request, tag):
        return {"tag": tag}

    @app.get("/files/{name:path}")
    def file(request, name):
        return {"name": name}

    assert app.url_for("tag", tag="a b?#%") == "/tags/a%20b%3F%23%25"
    assert app.url_for("tag", tag="...") == "/tags/..."
    assert app.url_for("file", name="docs/a b.txt") == "/files/docs/a%20b.txt"
    client = TestClient(app)
    assert client.get(app.url_for("tag", tag="a b?#%")).json() == {"tag": "a b?#%"}


def test_requests_made_by_hand_have_no_application() -> None:
    from roob import Request

    request = Request.blank("/")
    assert request.app is None
    with pytest.raises(ConfigurationError, match="made by an application"):
        request.url_for("x")
    with pytest.raises(ConfigurationError, match="needs a secret key"):
        request.session  # noqa: B018
