"""Attacks on redirect(), url_has_allowed_host_and_scheme and url_for (issue 18, classes 2
and 3), written by someone who did not write them.

Where a browser lands is decided by a WHATWG URL parser (ada-url, the parser Node.js
uses, https://url.spec.whatwg.org/#concept-basic-url-parser), not by urlsplit: the
helper and redirect() are fuzzed with targets built from the pieces browsers and
urlsplit disagree on, and every target redirect() sends without a scheme of its own
must land on the site; every target the helper accepts must land on an allowed host.
tests/integration/test_attack_gunicorn.py checks a list of them in a real Chromium.

url_for is fuzzed the same way: a value is either refused (InvalidURLParameter, a 400)
or gives a link that, requested, routes back to the same value.
"""

from __future__ import annotations

import math
import re
import uuid
from typing import Any
from urllib.parse import quote

import ada_url
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from roob import (
    InvalidURLParameter,
    Roob,
    redirect,
    redirect_to,
    url_has_allowed_host_and_scheme,
)
from roob.exceptions import UnsafeRedirect
from roob.testing import TestClient

SITE_PAGE = "http://site.example/account/login?x=1"
ALLOWED = {"good.example"}

# The pieces of a disguise: what the WHATWG URL parser strips, maps or reads as a
# delimiter where urlsplit does not (https://url.spec.whatwg.org/#url-parsing: C0
# controls and spaces stripped around, tab and newlines removed inside, "\" read as "/"
# in special schemes, IDNA mapping of hosts: fullwidth and ideographic full stops),
# and the payloads of the OWASP Unvalidated Redirects and Forwards Cheat Sheet and
# PayloadsAllTheThings' "Open Redirect" list (//, /\, @, %2F, %5C, %09, javascript:).
PIECES = [
    "/", "//", "\\", "\\\\", ":", "@", ".", "..", "?", "#", "%", ";",
    "%2F", "%2f", "%5C", "%09", "%0a", "%00", "%2e", "%40", "%3A",
    "http", "https", "HtTpS", "javascript", "data", "ftp", "blob", "file",
    "evil.example", "good.example", "site.example", "127.0.0.1", "[::1]", "0x7f.1",
    ":80", ":443", ":0", "user:pass", "xn--", "Ⓔvil.example",
    " ", "\t", "\n", "\r", "\x00", "\x0b", "\x0c", "\x1f", "\x7f", "\x85", "\xa0",
    "\u2028", "\u2029", "\u3000", "\ufeff", "\u200b", "\u200e",
    "\uff0f", "\uff3c", "\uff0e", "\u3002", "\ufe6b", "\uff20", "\u2215", "\u29f5",
]  # fmt: skip
targets = st.one_of(
    st.lists(st.sampled_from(PIECES), min_size=1, max_size=8).map("".join),
    st.text(max_size=24),
)


def landing(url: str) -> Any:
    """Where a browser on SITE_PAGE goes for ``url`` (an ada URL), or None when the URL
    is one a browser cannot parse: it then stays where it is."""
    try:
        return ada_url.URL(url, base=SITE_PAGE)
    except ValueError:
        return None


def sent_as(target: str) -> str:
    """``target`` as redirect() writes it: non-ASCII percent-encoded in UTF-8."""
    return re.sub(r"[^\x00-\x7f]+", lambda run: quote(run.group()), target)


def written_absolute(target: str) -> bool:
    """Whether ``target`` is written as a full http(s) URL, which redirect() sends on
    purpose wherever it points."""
    return re.match(r"(?i)https?://", target) is not None


def refused(target: str) -> bool:
    """Whether redirect() refuses ``target``, with an UnsafeRedirect (a 400)."""
    try:
        redirect(target)
    except UnsafeRedirect as exc:
        status = exc.status
    else:
        return False
    assert status == 400
    return True


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(targets)
@example("/\ud800")  # a lone surrogate (valid in a JSON string) was a 500: no UTF-8 form
@example("\udcff//evil.example")
def test_a_target_redirect_sends_without_a_scheme_lands_on_the_site(target: str) -> None:
    if refused(target):
        return
    location = redirect(target).headers["Location"]
    assert location == sent_as(target)
    assert re.fullmatch(r"[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?", location), "printable ASCII"
    landed = landing(location)
    if landed is None:
        return
    if written_absolute(target):
        # Sent as written: the host a browser reads from the header is the one it reads
        # from the target (percent-encoding moved nothing).
        assert landed.hostname == landing(target).hostname
    else:
        assert (landed.protocol, landed.host) == ("http:", "site.example"), (target, location)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(targets, st.booleans())
@example("/\ud800", False)
@example("//good.example/x", False)
@example("//", False)  # no host: no URL a browser can follow (it was accepted)
@example("\\\\", False)
def test_a_target_the_helper_accepts_lands_on_an_allowed_host(
    target: str, require_https: bool
) -> None:
    if not url_has_allowed_host_and_scheme(target, ALLOWED, require_https=require_https):
        return
    landed = landing(target)
    assert landed is not None, "accepted, yet a browser cannot read it"
    assert landed.protocol in ("http:", "https:")
    assert landed.host in ("site.example", "good.example"), target
    if require_https and landed.host == "good.example":
        assert landed.protocol == "https:"
    if target.startswith("//"):
        # Django's good_urls accept //testserver/; redirect() refuses every scheme-relative
        # target (it cannot know the allowed hosts): a 400, never another host.
        assert refused(target)
    else:
        assert redirect(target).headers["Location"] == sent_as(target)


# Disguises beyond the ones tests/test_urls.py ports from Django and OWASP, each with
# where a browser lands (checked by landing() above and, for the same list, by Chromium in
# tests/integration/test_attack_gunicorn.py). A percent-encoded delimiter is never
# decoded by a browser in a path; a Unicode space or line separator is not stripped
# (WHATWG strips C0 controls and U+0020 only); fullwidth solidi are no delimiters.
STAYS_ON_THE_SITE = [
    "/%09/evil.example",
    "/%2F/evil.example",
    "%2F%2Fevil.example",
    "/%5Cevil.example",
    "%5C%5Cevil.example",
    "/%2e%2e//evil.example",
    "/.//evil.example",
    "/./\\evil.example",
    "/..//evil.example",
    "\u2028//evil.example",
    "/\u2028/evil.example",
    "\u3000//evil.example",
    "\xa0//evil.example",
    "\ufeff//evil.example",
    "\u200b//evil.example",
    "\uff0f\uff0fevil.example",
    "/\uff3cevil.example",
    "@evil.example",
    "evil.example:443".replace(":", "%3A"),
    "?next=//evil.example",
    "#//evil.example",
]


@pytest.mark.parametrize("target", STAYS_ON_THE_SITE)
def test_lookalikes_that_a_browser_keeps_on_the_site_are_sent(target: str) -> None:
    location = redirect(target).headers["Location"]
    landed = landing(location)
    assert (landed.protocol, landed.host) == ("http:", "site.example")
    assert url_has_allowed_host_and_scheme(target)


# Another host, or no URL at all, for a browser (ada-url agrees): redirect() refuses
# each with a 400 and the helper with False. WHATWG: "https:evil" and "https:/\evil"
# are special-scheme URLs whose host is "evil"; leading C0/space stripped; ASCII tab
# and newlines removed anywhere; Django's test_bad_urls has the backslash forms.
LEAVES_THE_SITE = [
    "HtTpS:/\\evil.example",
    "HtTpS:\\\\evil.example",
    "https:\\evil.example",
    "http:evil.example:80",
    "/\\\t/evil.example",
    "\\\t\\evil.example",
    "/\r\n/evil.example",
    "\x0c//evil.example",
    "\x1f//evil.example",
    "//evil.example:443/",
    "//user:pass@evil.example",
    "//[::1]/",
    "//127.0.0.1",
    "//0x7f.1/",
    "//Ⓔvil.example",
    "//evil%2Eexample",
    "javascript://good.example/%0Aalert(1)",
    "JAVASCRIPT:alert(1)",
    "blob:https://evil.example/x",
    "evil.example:443",
    "//",
    "\\\\?x",
    "\ud800//evil.example",
    "/\udcff",
]


@pytest.mark.parametrize("target", LEAVES_THE_SITE)
def test_another_host_in_any_disguise_is_refused_by_both(target: str) -> None:
    assert refused(target)
    assert url_has_allowed_host_and_scheme(target, ALLOWED) is False


# The helper against hosts that are allowed: userinfo, a backslash, an IDNA lookalike
# or a port must never make an allowed host out of another one (Django's
# test_basic_auth and test_no_allowed_hosts; WHATWG's host parser maps U+3002 to ".").
@pytest.mark.parametrize(
    "url",
    [
        "https://good.example@evil.example/",
        "https://good.example:@evil.example/",
        "https://good.example%2F@evil.example/",
        "https://good.example%40evil.example/",
        "https://evil.example\\@good.example/",
        "https://evil.example\\.good.example/",
        "https://evil.example#@good.example",
        "https://good.example.evil.example/",
        "https://good.example\uff0f@evil.example/",
        "https://good.example\ufe6bevil.example/",
        "https://evil\u3002example/",
        "https://good.example%00.evil.example/",
        "https://[::1]/",
        "ftp://good.example/",
        "javascript://good.example/%0Aalert(1)",
        "https:good.example",
        "https:/good.example",
    ],
)
def test_the_helper_never_takes_another_host_for_an_allowed_one(url: str) -> None:
    assert url_has_allowed_host_and_scheme(url, ALLOWED) is False


@pytest.mark.parametrize(
    "url", ["https://good.example/x", "HTTPS://GOOD.EXAMPLE/", "https://good.example?@evil"]
)
def test_the_helper_keeps_allowed_hosts_in_any_case(url: str) -> None:
    assert url_has_allowed_host_and_scheme(url, ALLOWED, require_https=True)
    assert landing(url).hostname == "good.example"


def make_app() -> Roob:
    app = Roob(static_dir=None)

    @app.post("/login")
    def login(request):
        target = request.json["next"]
        if url_has_allowed_host_and_scheme(target, ALLOWED):
            return redirect(target)
        return redirect("/")

    @app.post("/go")
    def go(request):
        return redirect(request.json["to"])

    return app


@pytest.mark.parametrize("target", ["/\ud800", "\udcff//evil.example", "/notes/\udfff"])
def test_a_lone_surrogate_from_a_json_body_is_a_400_never_a_500(target: str) -> None:
    # "\ud800" is a valid JSON string escape (RFC 8259 section 8.2) but has no UTF-8 form:
    # it reached quote() and was a UnicodeEncodeError, a 500 with a traceback.
    client = TestClient(make_app())
    body = '{"to": "%s", "next": "%s"}' % ((target.encode("unicode_escape").decode(),) * 2)
    headers = {"Content-Type": "application/json"}
    go = client.post("/go", data=body, headers=headers)
    assert go.status_code == 400
    assert "Location" not in go.headers
    login = client.post("/login", data=body, headers=headers)
    assert (login.status_code, login.headers["Location"]) == (303, "/")


# --- url_for: refused, or a link that routes back to the same value ---------------------


def links_app() -> Roob:
    app = Roob(static_dir=None)

    @app.get("/tags/{tag}")
    def tag(request, tag):
        return {"value": tag}

    @app.get("/files/{name:path}")
    def files(request, name):
        return {"value": name}

    @app.get("/notes/{id:int}")
    def note(request, id):
        return {"value": id}

    @app.get("/prices/{x:float}")
    def price(request, x):
        return {"value": x}

    @app.get("/things/{u:uuid}")
    def thing(request, u):
        return {"value": str(u)}

    @app.get("/tags/{tag}/files/{name:path}")
    def tagged(request, tag, name):
        return {"value": [tag, name]}

    return app


LINKS = links_app()
LINKS_CLIENT = TestClient(LINKS)


def link_or_refusal(route: str, **params: Any) -> str | None:
    try:
        return LINKS.url_for(route, **params)
    except InvalidURLParameter as exc:
        refusal = exc
    assert refusal.status == 400
    assert refusal.parameter in params
    return None


def followed(link: str) -> Any:
    response = LINKS_CLIENT.get(link)
    assert response.status_code == 200, (link, response.text)
    return response.json()["value"]


@settings(max_examples=400, deadline=None)
@given(st.text())
@example("\ud800")  # a 500 (UnicodeEncodeError in quote())
@example("a\x00b")  # a link to a path no request may have (a 400 when followed)
@example("a;b")
@example("%2F")
def test_a_segment_value_is_refused_or_routes_back(value: str) -> None:
    link = link_or_refusal("tag", tag=value)
    if link is not None:
        assert followed(link) == value


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(["a", "/", ".", "%", " ", "é", "\\", "?", "#"])))
@example("a/")  # routed back as "a"
@example("/")  # a 404
@example("//")  # routed back as "/"
@example("/evil.example")
def test_a_path_value_is_refused_or_routes_back(value: str) -> None:
    link = link_or_refusal("files", name=value)
    if link is not None:
        assert followed(link) == value
    both = link_or_refusal("tagged", tag="t", name=value)
    if both is not None:
        assert followed(both) == ["t", value]


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=-(10**30), max_value=10**30))
def test_an_int_value_is_refused_or_routes_back(value: int) -> None:
    link = link_or_refusal("note", id=value)
    assert (link is None) == (value < 0)
    if link is not None:
        assert followed(link) == value


@settings(max_examples=400, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True))
@example(1e-7)  # "/prices/1e-07": a 404
@example(1e16)  # "/prices/1e+16": a 404
@example(-0.0)  # "/prices/-0.0": a 404
@example(5e-324)
@example(1.7976931348623157e308)
def test_a_float_value_is_refused_or_routes_back(value: float) -> None:
    link = link_or_refusal("price", x=value)
    assert (link is None) == (not math.isfinite(value) or value < 0)
    if link is not None:
        assert followed(link) == value


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.uuids(), st.uuids().map(str), st.uuids().map(lambda u: u.hex), st.text()))
@example("..")  # "/things/..": a dot segment a browser drops
@example("abc")  # a link to a 404
@example("{12345678-1234-5678-1234-567812345678}")
def test_a_uuid_value_is_refused_or_routes_back(value: Any) -> None:
    link = link_or_refusal("thing", u=value)
    if link is not None:
        assert uuid.UUID(followed(link)) == uuid.UUID(str(value))
    else:
        with pytest.raises(ValueError, match=r"badly formed|invalid literal"):
            uuid.UUID(str(value))


@pytest.mark.parametrize(
    ("route", "params"),
    [
        ("price", {"x": 10**400}),  # float(10**400) is an OverflowError, a 500
        ("note", {"id": float("inf")}),  # int(inf) is an OverflowError, a 500
        ("note", {"id": float("nan")}),
        ("tag", {"tag": "\udc80"}),
        ("files", {"name": "a/\ud800"}),
        ("tag", {"tag": "a\x00"}),
    ],
)
def test_values_no_link_can_hold_are_invalid_url_parameters(route: str, params: dict) -> None:
    assert link_or_refusal(route, **params) is None


def test_a_catch_all_route_at_the_root_never_links_to_another_host() -> None:
    """A {page:path} at the root (a CMS, a single-page app's fallback) given a value that
    starts with "/" made "//evil.example": redirect_to() sent it as Location, a
    scheme-relative URL to another host, and url_for put it in links."""
    app = Roob(static_dir=None)

    @app.get("/{page:path}")
    def page(request, page):
        if page == "go":
            return redirect_to("page", page=request.GET["to"])
        return {"page": page}

    client = TestClient(app)
    for value in ["/evil.example", "//evil.example", "/\\evil.example", "/"]:
        response = client.get("/go", query={"to": value})
        assert response.status_code == 400, value
        assert "Location" not in response.headers
        assert response.json()["message"].startswith("Cannot build a link with page: ")
    assert client.get("/go", query={"to": "docs/intro"}).headers["Location"] == "/docs/intro"
    with pytest.raises(InvalidURLParameter):
        app.url_for("page", page="/evil.example")
