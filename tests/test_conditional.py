"""Conditional GET (ETag, 304) and preconditions on unsafe methods (412)."""

from __future__ import annotations

import datetime

import pytest

from roob import PreconditionFailed, Response, Roob, check_precondition, etag_of
from roob.conditional import REPLACED_HEADERS_KEY, if_range_holds
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


# --- What a client sends that is not what the RFC spells (issue 18, class 6) -------------

# Dates that are not HTTP dates (tests/test_httpdate.py has the full list): the review's
# year 99999 (a 500 before), out-of-range fields WebOb moved into valid dates (Django's
# conditional_processing LAST_MODIFIED_INVALID_STR), garbage, and a list of dates.
NOT_DATES = [
    "Sat, 01 Jan 99999 00:00:00 GMT",
    "Mon, 32 Oct 2010 16:56:23 GMT",
    "Mon, 31 Nov 2026 12:00:00 GMT",
    "garbage",
    "",
    "Mon, 30 Nov 2026 12:00:00 GMT, Mon, 30 Nov 2026 12:00:00 GMT",
]


@pytest.mark.parametrize("value", NOT_DATES)
def test_an_if_modified_since_that_is_not_a_date_is_ignored(value):
    # RFC 9110, 13.1.3: "A recipient MUST ignore the If-Modified-Since header field if the
    # received field value is not a valid HTTP-date"; werkzeug.http.parse_date and Django's
    # parse_http_date_safe return None for these.
    client = TestClient(make_app(conditional=True))
    response = client.get("/dated", headers={"If-Modified-Since": value})
    assert response.status_code == 200
    assert response.json() == NOTE


@pytest.mark.parametrize("value", NOT_DATES)
def test_an_if_unmodified_since_that_is_not_a_date_is_ignored(value):
    # RFC 9110, 13.1.4 (Django's conditional_processing test_if_unmodified_since with
    # LAST_MODIFIED_INVALID_STR: the full response).
    client = TestClient(precondition_app())
    response = client.put("/doc", data="v2", headers={"If-Unmodified-Since": value})
    assert response.status_code == 200
    assert response.json() == {"text": "v2"}


def test_a_date_after_the_last_change_still_gives_304_and_one_before_it_200():
    # Django's conditional_processing test_if_modified_since (LAST_MODIFIED_NEWER_STR,
    # EXPIRED_LAST_MODIFIED_STR), with the view's date.
    client = TestClient(make_app(conditional=True))
    for value, status in [
        ("Mon, 18 Oct 2100 16:56:23 GMT", 304),
        ("Mon, 30 Nov 2026 12:00:00 GMT", 304),
        ("Sunday, 29-Nov-26 12:00:00 GMT", 200),
        ("Mon Nov 30 11:59:59 2026", 200),
    ]:
        assert client.get("/dated", headers={"If-Modified-Since": value}).status_code == status


@pytest.mark.parametrize(
    ("if_match", "status"),
    [
        # Django's conditional_processing test_if_match, test_weak_if_match, test_all_if_match.
        ("CURRENT", 200),
        ('"7fae4cd4b0f81e7d2914700043aa8ed6"', 412),
        ("*", 200),
        # If-Match compares strongly (RFC 9110, 13.1.1): a weak tag never matches.
        ("W/CURRENT", 412),
        # An empty list names no tag (RFC 9110, 13.1.1: "the condition is false"); WebOb read
        # it as * and the write went through (review, Part 3, defect 9).
        ("", 412),
        ("   ", 412),
        (",", 412),
        # Lists, with the spaces and empty elements the list syntax allows (RFC 9110, 5.6.1).
        ('"other", CURRENT', 200),
        ('"other" ,   CURRENT  ,', 200),
        (", , CURRENT", 200),
        ('"other", W/CURRENT', 412),
        # Not a list of quoted tags: it names nothing. (Werkzeug's parse_etags reads an
        # unquoted "blar" as a tag; RFC 9110, 8.8.3 quotes every opaque-tag.)
        ("UNQUOTED", 412),
        ("w/CURRENT", 412),  # the weak indicator is case-sensitive W/
        ("CURRENT CURRENT", 412),
        ('"other", garbage', 412),
        ("*, CURRENT", 412),
        ("**", 412),
        ('"""', 412),  # Django's conditional_processing test_invalid_etag
        ("CURRENT\x00", 412),
    ],
)
def test_if_match_holds_only_for_the_current_strong_tag(if_match, status):
    client = TestClient(precondition_app())
    current = etag_of("v1")
    if_match = if_match.replace("CURRENT", f'"{current}"').replace("UNQUOTED", current)
    response = client.put("/doc", data="v2", headers={"If-Match": if_match})
    assert response.status_code == status, if_match
    if status == 412:
        assert response.json() == {
            "message": "If-Match does not hold: the resource changed since the client read it"
        }
        assert (
            client.put("/doc", data="v3", headers={"If-Match": f'"{current}"'}).status_code == 200
        )


def test_an_empty_if_match_is_not_an_absent_one():
    client = TestClient(precondition_app())
    assert client.put("/doc", data="v2").status_code == 200
    assert client.put("/doc", data="v3", headers={"If-Match": ""}).status_code == 412
    # and it wins over If-Unmodified-Since (RFC 9110, 13.2.2: step 1 before step 2)
    headers = {"If-Match": "", "If-Unmodified-Since": "Mon, 30 Nov 2026 12:00:00 GMT"}
    assert client.put("/doc", data="v3", headers=headers).status_code == 412


def test_an_opaque_tag_may_hold_commas_and_any_visible_character():
    # etagc is %x21 / %x23-7E / obs-text (RFC 9110, 8.8.3): a comma is part of a tag, so a
    # list is not split on commas (Django's parse_etags splits "a,b" in two).
    app = Roob(static_dir=None)

    @app.put("/odd")
    def odd(request):
        check_precondition(request, etag="a,b")

    client = TestClient(app)
    assert client.put("/odd", headers={"If-Match": '"a,b"'}).status_code == 204
    assert client.put("/odd", headers={"If-Match": '"x", "a,b"'}).status_code == 204
    assert client.put("/odd", headers={"If-Match": '"a"'}).status_code == 412
    assert client.put("/odd", headers={"If-Match": '"b"'}).status_code == 412


@pytest.mark.parametrize(
    ("if_none_match", "status"),
    [
        # Django's conditional_processing test_if_none_match, test_weak_if_none_match,
        # test_all_if_none_match: weak comparison, lists, *.
        ("CURRENT", 304),
        ("W/CURRENT", 304),
        ('"7fae4cd4b0f81e7d2914700043aa8ed6"', 200),
        ('"7fae4cd4b0f81e7d2914700043aa8ed6", CURRENT', 304),
        ('"other" ,  W/CURRENT ,', 304),
        ("*", 304),
        (" * ", 304),
        # An empty or unreadable list names nothing: the whole answer.
        ("", 200),
        ("   ", 200),
        ('"""', 200),  # Django's test_invalid_etag
        ("UNQUOTED", 200),
        ("w/CURRENT", 200),
        ("garbage, CURRENT", 200),
        ("*, CURRENT", 200),
    ],
)
def test_if_none_match_compares_weakly_and_reads_only_lists_of_tags(if_none_match, status):
    client = TestClient(make_app(conditional=True))
    current = client.get("/note").headers["ETag"]
    value = if_none_match.replace("CURRENT", current).replace("UNQUOTED", current.strip('"'))
    assert client.get("/note", headers={"If-None-Match": value}).status_code == status, value


@pytest.mark.parametrize(
    ("if_modified_since", "if_none_match", "status"),
    [
        # Django's conditional_processing test_both_headers: If-None-Match decides, and
        # If-Modified-Since is ignored whenever If-None-Match is present (RFC 9110, 13.1.3),
        # even an empty one.
        ("Mon, 30 Nov 2026 12:00:00 GMT", "CURRENT", 304),
        ("Mon, 30 Nov 2026 11:00:00 GMT", "CURRENT", 304),
        ("Mon, 30 Nov 2026 12:00:00 GMT", '"expired"', 200),
        ("Mon, 30 Nov 2026 11:00:00 GMT", '"expired"', 200),
        ("Mon, 30 Nov 2026 12:00:00 GMT", "", 200),
        ("Sat, 01 Jan 99999 00:00:00 GMT", "CURRENT", 304),
    ],
)
def test_if_none_match_decides_over_if_modified_since(if_modified_since, if_none_match, status):
    client = TestClient(make_app(conditional=True))
    current = client.get("/dated").headers["ETag"]
    headers = {
        "If-Modified-Since": if_modified_since,
        "If-None-Match": if_none_match.replace("CURRENT", current),
    }
    assert client.get("/dated", headers=headers).status_code == status


def test_a_304_keeps_the_caching_headers_of_its_200_and_nothing_else():
    # RFC 9110, 15.4.5: Content-Location, Date, ETag, Vary, Cache-Control, Expires (and
    # Last-Modified, which helps caches without the tag); no Content-Type, no body headers.
    app = Roob(static_dir=None, conditional=True)
    kept = {
        "Cache-Control": "max-age=60",
        "Expires": "Mon, 30 Nov 2026 13:00:00 GMT",
        "Vary": "Cookie",
        "Content-Location": "/notes/1.json",
        "Date": "Mon, 30 Nov 2026 12:00:00 GMT",
        "Last-Modified": "Mon, 30 Nov 2026 12:00:00 GMT",
        "ETag": '"v1"',
    }

    @app.get("/note")
    def note(request):
        return NOTE, 200, {**kept, "X-Request-Id": "abc", "Content-Language": "en"}

    client = TestClient(app)
    full = client.get("/note")
    response = client.get("/note", headers={"If-None-Match": '"v1"'})
    assert response.status_code == 304
    assert dict(response.headers) == kept
    assert {k: full.headers[k] for k in kept} == kept


def test_a_304_leaves_the_headers_of_the_200_it_replaces_for_the_middleware_outside():
    app = make_app(conditional=True)
    seen = {}

    def outer(environ, start_response):
        body = app(environ, start_response)
        seen.update(environ)
        return body

    client = TestClient(outer)
    etag = client.get("/tagged").headers["ETag"]
    assert REPLACED_HEADERS_KEY not in seen  # a 200 leaves nothing
    assert client.get("/tagged", headers={"If-None-Match": etag}).status_code == 304
    replaced = dict(seen[REPLACED_HEADERS_KEY])
    assert replaced["Content-Type"] == "application/json"
    assert replaced["Content-Length"] == str(len(Response(json=NOTE).body))
    assert replaced["ETag"] == etag


def test_a_view_that_answers_304_itself_is_left_alone():
    app = Roob(static_dir=None, conditional=True)

    @app.get("/mine")
    def mine(request):
        return Response(status=304, headers={"ETag": '"x"'})

    response = TestClient(app).get("/mine", headers={"If-None-Match": '"x"'})
    assert (response.status_code, response.headers["ETag"]) == (304, '"x"')


def test_a_tag_the_view_wrote_without_quotes_never_matches():
    # An ETag header that is not an entity tag (RFC 9110, 8.8.3) names nothing: the client
    # gets the whole answer rather than a 304 for something else.
    app = Roob(static_dir=None, conditional=True)

    @app.get("/sloppy")
    def sloppy(request):
        return NOTE, 200, {"ETag": "v1"}

    client = TestClient(app)
    assert client.get("/sloppy", headers={"If-None-Match": '"v1"'}).status_code == 200
    assert client.get("/sloppy", headers={"If-None-Match": "v1"}).status_code == 200
    assert client.get("/sloppy", headers={"If-None-Match": "*"}).status_code == 304


def test_a_last_modified_the_view_wrote_badly_never_gives_a_304():
    app = Roob(static_dir=None, conditional=True)

    @app.get("/sloppy")
    def sloppy(request):
        return NOTE, 200, {"Last-Modified": "yesterday"}

    client = TestClient(app)
    response = client.get("/sloppy", headers={"If-Modified-Since": "Mon, 30 Nov 2026 12:00:00 GMT"})
    assert response.status_code == 200


HEADERS = [("ETag", '"abc"'), ("Last-Modified", "Mon, 30 Nov 2026 12:00:00 GMT")]


@pytest.mark.parametrize(
    ("if_range", "holds"),
    [
        # RFC 9110, 13.1.5; Werkzeug's test_is_resource_modified_for_range_requests and
        # test_if_range_parsing: a matching strong tag or exactly the Last-Modified date.
        (None, True),
        ('"abc"', True),
        (' "abc" ', True),
        ('"abd"', False),
        ('W/"abc"', False),  # weak tags never match If-Range
        ("Mon, 30 Nov 2026 12:00:00 GMT", True),
        ("Monday, 30-Nov-26 12:00:00 GMT", True),
        ("Mon, 30 Nov 2026 12:00:01 GMT", False),  # later is not the same
        ("Mon, 30 Nov 2026 11:59:59 GMT", False),
        ("Sat, 01 Jan 99999 00:00:00 GMT", False),
        ("Mon, 32 Nov 2026 12:00:00 GMT", False),
        ("abc", False),  # Werkzeug reads "bullshit" as a tag; the RFC quotes tags
        ('"abc", "abd"', False),  # one tag or one date, not a list
        ("", False),
    ],
)
def test_if_range_holds_only_for_the_same_representation(if_range, holds):
    environ = {} if if_range is None else {"HTTP_IF_RANGE": if_range}
    assert if_range_holds(environ, HEADERS) is holds


def test_if_range_holds_nothing_against_a_representation_without_validators():
    assert not if_range_holds({"HTTP_IF_RANGE": '"abc"'}, [("Content-Type", "text/plain")])
    assert not if_range_holds({"HTTP_IF_RANGE": "Mon, 30 Nov 2026 12:00:00 GMT"}, [])


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        # RFC 9110, 13.2.2, steps 1 and 2, on a GET: Werkzeug's test_wrappers
        # test_etag_response_412 (If-Match with another tag: 412), Django's
        # conditional_processing test_both_headers_2 and test_single_condition_7/8.
        ({"If-Match": "CURRENT"}, 200),
        ({"If-Match": '"othertag"'}, 412),
        ({"If-Match": "*"}, 200),
        ({"If-Match": ""}, 412),
        ({"If-Match": "W/CURRENT"}, 412),
        ({"If-Unmodified-Since": "Mon, 30 Nov 2026 12:00:00 GMT"}, 200),
        ({"If-Unmodified-Since": "Mon, 30 Nov 2026 11:59:59 GMT"}, 412),
        ({"If-Unmodified-Since": "Sat, 01 Jan 99999 00:00:00 GMT"}, 200),  # not a date: ignored
        ({"If-Unmodified-Since": "Mon, 30 Nov 2026 11:00:00 GMT", "If-Match": "CURRENT"}, 200),
        ({"If-Unmodified-Since": "Mon, 30 Nov 2026 12:00:00 GMT", "If-Match": '"x"'}, 412),
        # The precondition comes before the 304 (step 1 before step 3).
        ({"If-Match": '"othertag"', "If-None-Match": "CURRENT"}, 412),
        ({"If-Match": "CURRENT", "If-None-Match": "CURRENT"}, 304),
    ],
)
def test_a_conditional_get_is_a_412_when_its_precondition_fails(headers, status):
    client = TestClient(make_app(conditional=True))
    current = client.get("/dated").headers["ETag"]
    headers = {name: value.replace("CURRENT", current) for name, value in headers.items()}
    response = client.get("/dated", headers=headers)
    assert response.status_code == status, headers
    if status == 412:
        assert "does not hold" in response.json()["message"]


def test_if_unmodified_since_on_a_get_without_a_date_is_ignored():
    # RFC 9110, 13.1.4: "A recipient MUST ignore the If-Unmodified-Since header field if
    # the resource does not have a modification date available." (Django's
    # test_single_condition_9 answers its etag-only view 412.)
    client = TestClient(make_app(conditional=True))
    headers = {"If-Unmodified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}
    assert client.get("/note", headers=headers).status_code == 200
