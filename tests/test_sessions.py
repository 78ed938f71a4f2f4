"""request.session: a signed cookie, written back only when changed."""

from __future__ import annotations

import time

import pytest
from itsdangerous import URLSafeTimedSerializer

from roob import ConfigurationError, Roob, Session, SessionCookie
from roob.testing import TestClient

KEY = "k" * 32


def make_app(**options) -> Roob:
    app = Roob(static_dir=None, **options)

    @app.get("/count")
    def count(request):
        request.session["n"] = request.session.get("n", 0) + 1
        return {"n": request.session["n"]}

    @app.get("/read")
    def read(request):
        return dict(request.session)

    @app.get("/nothing")
    def nothing(request):
        return {}

    @app.post("/logout")
    def logout(request):
        request.session.clear()

    @app.get("/fail")
    def fail(request):
        request.session["seen"] = True
        raise KeyError("boom")

    return app


def test_a_changed_session_is_kept_in_a_signed_http_only_cookie() -> None:
    client = TestClient(make_app(secret_key=KEY))
    first = client.get("/count")
    cookie = first.headers["Set-Cookie"]
    assert cookie.startswith("session=")
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    assert "Max-Age=1209600" in cookie
    assert "Path=/" in cookie
    assert "secure" not in cookie.lower()  # plain HTTP
    assert client.get("/count").json() == {"n": 2}
    assert client.get("/read").json() == {"n": 2}


def test_an_unchanged_session_sends_no_cookie() -> None:
    client = TestClient(make_app(secret_key=KEY))
    client.get("/count")
    assert "Set-Cookie" not in client.get("/read").headers
    assert "Set-Cookie" not in client.get("/nothing").headers


def test_an_emptied_session_deletes_the_cookie() -> None:
    client = TestClient(make_app(secret_key=KEY))
    client.get("/count")
    response = client.post("/logout")
    assert "Max-Age=0" in response.headers["Set-Cookie"]
    assert "session" not in client.cookies
    assert client.get("/read").json() == {}


def test_an_error_response_still_carries_the_session() -> None:
    client = TestClient(make_app(secret_key=KEY))
    assert client.get("/fail").status_code == 500
    assert client.get("/read").json() == {"seen": True}


@pytest.mark.parametrize(
    "cookie",
    [
        "garbage",
        "eyJuIjo5OTl9.aaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbb",  # {"n":999} with a made-up signature
        URLSafeTimedSerializer(b"another key that is long", salt="roob.session").dumps({"n": 999}),
        URLSafeTimedSerializer(KEY.encode(), salt="roob.session").dumps(
            [1, 2]
        ),  # signed, not a dict
        URLSafeTimedSerializer(KEY.encode(), salt="another.salt").dumps({"n": 999}),
    ],
)
def test_a_forged_cookie_gives_an_empty_session(cookie: str) -> None:
    client = TestClient(make_app(secret_key=KEY))
    response = client.get("/read", headers={"Cookie": f"session={cookie}"})
    assert response.status_code == 200
    assert response.json() == {}


def test_an_expired_cookie_gives_an_empty_session(monkeypatch: pytest.MonkeyPatch) -> None:
    client = TestClient(make_app(sessions=SessionCookie(KEY, max_age=60)))
    client.get("/count")
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 61)
    assert client.get("/read").json() == {}


def test_keys_rotate_the_first_signs_and_all_verify() -> None:
    old = TestClient(make_app(secret_key="old key, 16 chars or more"))
    old.get("/count")
    cookie = old.cookies["session"]
    rotated = TestClient(
        make_app(secret_key=["new key, 16 chars or more", "old key, 16 chars or more"])
    )
    rotated.cookies["session"] = cookie
    assert rotated.get("/count").json() == {"n": 2}  # the old signature verified
    newest = TestClient(make_app(secret_key="new key, 16 chars or more"))
    newest.cookies["session"] = rotated.cookies["session"]
    assert newest.get("/read").json() == {"n": 2}  # re-signed with the first key


def test_cookie_settings() -> None:
    sessions = SessionCookie(KEY, name="sid", max_age=300, secure=True, same_site="Strict",
                             path="/app", domain="example.com")  # fmt: skip
    cookie = TestClient(make_app(sessions=sessions)).get("/count").headers["Set-Cookie"]
    assert cookie.startswith("sid=")
    for part in ("Max-Age=300", "Path=/app", "Domain=example.com", "secure", "HttpOnly"):
        assert part.lower() in cookie.lower()
    assert "samesite=strict" in cookie.lower()
    assert repr(sessions) == "SessionCookie(name='sid', max_age=300)"


def test_secure_follows_the_request_scheme_and_the_path_the_mount() -> None:
    client = TestClient(make_app(secret_key=KEY), base_url="https://example.com")
    cookie = client.get("/count", environ={"SCRIPT_NAME": "/shop"}).headers["Set-Cookie"]
    assert "secure" in cookie.lower()
    assert "Path=/shop" in cookie


def test_a_value_json_cannot_hold_is_the_views_error(caplog) -> None:
    app = Roob(static_dir=None, secret_key=KEY)

    @app.get("/bad")
    def bad(request):
        request.session["when"] = object()
        return {}

    response = TestClient(app).get("/bad")
    assert response.status_code == 500
    assert "Set-Cookie" not in response.headers
    assert "request.session holds a value JSON cannot store" in caplog.text


def test_without_a_secret_key_the_session_names_the_setting(caplog) -> None:
    response = TestClient(make_app()).get("/read")
    assert response.status_code == 500
    assert response.json() == {"message": "Internal Server Error"}
    assert "request.session needs a secret key" in caplog.text
    assert "Roob(secret_key=...)" in caplog.text


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"secret_key": "short"}, "at least 16 characters"),
        ({"secret_key": []}, "at least 16 characters"),
        ({"secret_key": KEY, "sessions": SessionCookie(KEY)}, "give the keys once"),
        ({"csrf": True}, "needs a secret key"),
    ],
)
def test_bad_session_settings_fail_at_start_up(options, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Roob(static_dir=None, **options)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"same_site": "lax"}, "'Lax', 'Strict' or 'None'"),
        ({"same_site": "None", "secure": False}, "needs a Secure cookie"),
    ],
)
def test_bad_cookie_settings(options, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        SessionCookie(KEY, **options)


def test_session_tracks_every_change() -> None:
    session = Session(a=1)
    assert not session.modified
    session.get("a")
    session.setdefault("a", 2)
    session.pop("missing", None)
    Session().clear()
    assert not session.modified
    for change in (
        lambda s: s.__setitem__("b", 1),
        lambda s: s.__delitem__("a"),
        lambda s: s.clear(),
        lambda s: s.pop("a"),
        lambda s: s.popitem(),
        lambda s: s.setdefault("c", 3),
        lambda s: s.update(d=4),
        lambda s: s.__ior__({"e": 5}),
    ):
        fresh = Session(a=1)
        change(fresh)
        assert fresh.modified


def test_answers_that_read_the_session_vary_by_cookie() -> None:
    app = make_app(secret_key=KEY)

    @app.get("/varied")
    def varied(request):
        request.session.get("n")
        return {}, 200, {"Vary": "Accept-Encoding"}

    @app.get("/star")
    def star(request):
        request.session.get("n")
        return {}, 200, {"Vary": "*"}

    client = TestClient(app)
    assert client.get("/count").headers["Vary"] == "Cookie"
    assert client.get("/read").headers["Vary"] == "Cookie"
    assert client.get("/varied").headers["Vary"] == "Accept-Encoding, Cookie"
    assert client.get("/star").headers["Vary"] == "*"
    assert "Vary" not in client.get("/nothing").headers
