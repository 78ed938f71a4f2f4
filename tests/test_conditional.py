"""Conditional GET (ETag, 304) and preconditions on unsafe methods (412)."""

from __future__ import annotations

import datetime

import pytest

from roob import PreconditionFailed, Response, Roob, check_precondition, etag_of
from roob.testing import TestClient

NOTE = {"id": 1, "text": "hello"}
UPDATED = datetime.datetime(2026, 11, 30, 12, 0, 0, tzinfo=datetime.UTC)


def make_app(**options) -> Roob:
    app = Roob(static_dir=None, **options)

    @app.get("/note")
    def note(request):
        return NOTE

    @app.get("/dated")
    def dated(request):
        response = Response(json=NOTE)
        response.last_modified = UPDATED
        return response

    @app.get("/tagged")
    def tagged(request):
        response = Response(json=NOTE, headers={"Cache-Control": "max-age=60"})
        response.etag = "v7"
        return response

    @app.get("/missing")
    def missing(request):
        return {"message": "no"}, 404

    @app.get("/stream")
    def stream(request):
        return Response(app_iter=iter([b"a", b"b"]))

    @app.get("/plain", conditional=False)
    def plain(request):
        return NOTE

    return app


def test_get_answers_carry_a_hash_of_the_body_and_revalidate_with_304() -> None:
    client = TestClient(make_app(conditional=True))
    first = client.get("/note")
    etag = first.headers["ETag"]
    assert etag == f'"{etag_of(first.content)}"'
    again = client.get("/note", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["ETag"] == etag
    assert "Content-Type" not in again.headers
    assert client.head("/note", headers={"If-None-Match": etag}).status_code == 304
    # weak comparison (a compressing proxy makes it weak), lists, and *
    for header in (f"W/{etag}", f'"other", {etag}', "*"):
        assert client.get("/note", headers={"If-None-Match": header}).status_code == 304, header
    assert client.get("/note", headers={"If-None-Match": '"other"'}).status_code == 200


def test_a_views_own_validators_are_compared() -> None:
    client = TestClient(make_app(conditional=True))
    response = client.get("/tagged", headers={"If-None-Match": '"v7"'})
    assert response.status_code == 304
    assert response.headers["Cache-Control"] == "max-age=60"
    date = "Mon, 30 Nov 2026 12:00:00 GMT"
    assert client.get("/dated", headers={"If-Modified-Since": date}).status_code == 304
    earlier = "Mon, 30 Nov 2026 11:59:59 GMT"
    assert client.get("/dated", headers={"If-Modified-Since": earlier}).status_code == 200
    # If-None-Match wins over If-Modified-Since
    both = {"If-None-Match": '"nope"', "If-Modified-Since": date}
    assert client.get("/dated", headers=both).status_code == 200


def test_errors_streams_and_routes_that_opt_out_are_left_alone() -> None:
    client = TestClient(make_app(conditional=True))
    assert "ETag" not in client.get("/missing").headers
    assert "ETag" not in client.get("/stream").headers
    assert "ETag" not in client.get("/plain").headers


def test_off_by_default_and_on_per_route() -> None:
    app = make_app()

    @app.get("/cached", conditional=True)
    def cached(request):
        return NOTE

    client = TestClient(app)
    assert "ETag" not in client.get("/note").headers
    etag = client.get("/cached").headers["ETag"]
    assert client.get("/cached", headers={"If-None-Match": etag}).status_code == 304


def precondition_app() -> Roob:
    app = Roob(static_dir=None)
    state = {"text": "v1"}

    @app.put("/doc")
    def update(request):
        check_precondition(request, etag=etag_of(state["text"]), last_modified=UPDATED)
        state["text"] = request.text
        return {"text": state["text"]}

    @app.delete("/gone")
    def gone(request):
        check_precondition(request, etag=None)

    @app.put("/naive")
    def naive(request):
        check_precondition(request, last_modified=UPDATED.replace(tzinfo=None, microsecond=5))

    return app


def test_if_match_guards_against_lost_updates() -> None:
    client = TestClient(precondition_app())
    current = f'"{etag_of("v1")}"'
    assert client.put("/doc", data="v2", headers={"If-Match": current}).status_code == 200
    stale = client.put("/doc", data="v3", headers={"If-Match": current})
    assert stale.status_code == 412
    assert "If-Match does not hold" in stale.json()["message"]
    assert client.put("/doc", data="v3", headers={"If-Match": "*"}).status_code == 200
    assert client.put("/doc", data="v4").status_code == 200  # no precondition asked for
    assert client.delete("/gone", headers={"If-Match": "*"}).status_code == 412
    assert (
        client.put("/doc", data="v5", headers={"If-Match": f'W/"{etag_of("v4")}"'}).status_code
        == 412
    )


def test_if_unmodified_since() -> None:
    client = TestClient(precondition_app())
    assert (
        client.put(
            "/doc", data="x", headers={"If-Unmodified-Since": "Mon, 30 Nov 2026 12:00:00 GMT"}
        ).status_code
        == 200
    )
    response = client.put(
        "/doc", data="x", headers={"If-Unmodified-Since": "Mon, 30 Nov 2026 11:00:00 GMT"}
    )
    assert response.status_code == 412
    assert "If-Unmodified-Since" in response.json()["message"]
    assert (
        client.put(
            "/naive", headers={"If-Unmodified-Since": "Mon, 30 Nov 2026 12:00:00 GMT"}
        ).status_code
        == 204
    )
    assert (
        client.delete(
            "/gone", headers={"If-Unmodified-Since": "Mon, 30 Nov 2026 12:00:00 GMT"}
        ).status_code
        == 412
    )


def test_precondition_failed_is_an_http_error() -> None:
    with pytest.raises(PreconditionFailed):
        raise PreconditionFailed("x")
    assert PreconditionFailed.status == 412
