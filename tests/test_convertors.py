"""roob/convertors.py: typed path parameters, built-in and the application's own."""

from __future__ import annotations

import datetime
import uuid

import pytest

from roob import ConfigurationError, Convertor, InvalidRoute, Roob
from roob.convertors import (
    FloatConvertor,
    IntConvertor,
    PathConvertor,
    StringConvertor,
    UUIDConvertor,
)
from roob.testing import TestClient

HUGE = "1" * 100_000


def typed_view(request, **params):
    """Each parameter's value (as JSON) and its type's name."""
    return {name: [value, type(value).__name__] for name, value in params.items()}


# --- int: {n:d} and {n:int} -----------------------------------------------------


@pytest.mark.parametrize("kind", ["d", "int"])
@pytest.mark.parametrize(
    ("text", "value"),
    [("0", 0), ("7", 7), ("007", 7), ("12345678901234567890", 12345678901234567890)],
)
def test_an_integer_parameter_is_an_int(app, client, kind, text, value):
    app.add_route(f"/n/{{n:{kind}}}", typed_view)
    assert client.get(f"/n/{text}").json() == {"n": [value, "int"]}


@pytest.mark.parametrize("kind", ["d", "int"])
@pytest.mark.parametrize(
    "text",
    ["0x1f", "%2B5", "%207", "7%20", "1.5", "-3", "1e3", "1_000", "%EF%BC%97", "%D9%A3", "%C2%B2", "seven"],
    ids=["hex", "plus", "leading-space", "trailing-space", "decimal", "negative", "exponent",
         "underscore", "fullwidth-7", "arabic-indic-3", "superscript-2", "word"],
)  # fmt: skip
def test_an_integer_parameter_takes_ascii_digits_only(app, client, kind, text):
    app.add_route(f"/n/{{n:{kind}}}", typed_view)
    response = client.get(f"/n/{text}")
    assert response.status_code == 404
    assert response.json()["message"].startswith("Requested path: /n/")


@pytest.mark.parametrize(
    ("pattern", "path"),
    [
        ("/m/v{n:d}", f"/m/v{HUGE}"),
        ("/m/{n:int}.json", f"/m/{HUGE}.json"),
        ("/m/{n:number}", f"/m/{HUGE}"),
        ("/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}/{n:d}", f"/1/2/3/4/5/6/7/8/9/{HUGE}"),
    ],
    ids=["in-a-segment", "before-a-suffix", "own-convertor", "deep-in-the-path"],
)
def test_a_100k_digit_integer_is_refused_not_a_500(app, client, pattern, path):
    calls = []
    app.add_convertor("number", "[0-9]+", int)

    def view(request, n, **others):
        calls.append(n)
        return {}

    app.add_route(pattern, view)
    assert client.get(path).status_code in (400, 404)
    assert calls == []
    assert client.get(path.replace(HUGE, "42")).status_code == 200
    assert calls == [42]


def test_integers_in_a_segment_with_text_take_ascii_digits_only(app, client):
    app.add_route("/page{n:d}.html", typed_view)
    assert client.get("/page12.html").json() == {"n": [12, "int"]}
    for text in ["%EF%BC%97", "-1", "%2B1", "1.5", ""]:
        assert client.get(f"/page{text}.html").status_code == 404, text


# --- float: {x:f} and {x:float} -----------------------------------------------------


@pytest.mark.parametrize("kind", ["f", "float"])
@pytest.mark.parametrize(
    ("text", "value"), [("2.5", 2.5), ("3", 3.0), ("0.0", 0.0), ("007.50", 7.5)]
)
def test_a_float_parameter_is_a_float(app, client, kind, text, value):
    app.add_route(f"/x/{{x:{kind}}}", typed_view)
    assert client.get(f"/x/{text}").json() == {"x": [value, "float"]}


@pytest.mark.parametrize(
    "text",
    ["-1.5", "%2B1.5", "1e5", "1.", ".5", "1,5", "nan", "inf", "Infinity", "0x1p3", "9" * 400],
)
def test_a_float_parameter_refuses_signs_exponents_and_infinity(app, client, text):
    app.add_route("/x/{x:f}", typed_view)
    assert client.get(f"/x/{text}").status_code == 404


# --- uuid ---------------------------------------------------------------------------

SAMPLE_UUID = uuid.UUID("1f0e5d2c-3b4a-4968-8776-5a4b3c2d1e0f")


@pytest.mark.parametrize("text", [str(SAMPLE_UUID), str(SAMPLE_UUID).upper()])
def test_a_uuid_parameter_is_a_uuid_in_either_case(app, client, text):
    seen = []

    @app.get("/orders/{order:uuid}")
    def order(request, order):
        seen.append(order)
        return {}

    assert client.get(f"/orders/{text}").status_code == 200
    assert seen == [SAMPLE_UUID]
    assert isinstance(seen[0], uuid.UUID)


@pytest.mark.parametrize(
    "text",
    [SAMPLE_UUID.hex, "{" + str(SAMPLE_UUID) + "}", "urn:uuid:" + str(SAMPLE_UUID), str(SAMPLE_UUID)[:-1], str(SAMPLE_UUID).replace("1", "g")],
    ids=["no-hyphens", "braces", "urn", "short", "not-hex"],
)  # fmt: skip
def test_a_uuid_parameter_takes_the_canonical_form_only(app, client, text):
    app.add_route("/orders/{order:uuid}", typed_view)
    assert client.get(f"/orders/{text}").status_code == 404


# --- path ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "rest"),
    [
        ("/files/a", "a"),
        ("/files/docs/guide/install.md", "docs/guide/install.md"),
        ("/files/a%2Fb", "a/b"),
        ("/files/a//b", "a//b"),
        ("/files/dir/", "dir"),
        ("/files/caf%C3%A9/%20", "café/ "),
    ],
)
def test_a_path_parameter_is_the_rest_of_the_path(app, client, path, rest):
    app.add_route("/files/{rest:path}", typed_view)
    assert client.get(path).json() == {"rest": [rest, "str"]}


@pytest.mark.parametrize("path", ["/files", "/files/"])
def test_a_path_parameter_is_never_empty(app, client, path):
    app.add_route("/files/{rest:path}", typed_view)
    assert client.get(path).status_code == 404


# --- the application's own convertors -------------------------------------------------


def test_a_convertor_from_a_regex_and_a_function(app, client):
    app.add_convertor("date", r"\d{4}-\d{2}-\d{2}", datetime.date.fromisoformat, str)

    @app.get("/reports/{day:date}")
    def report(request, day):
        return {"weekday": day.strftime("%A"), "type": type(day).__name__}

    assert client.get("/reports/2026-11-24").json() == {"weekday": "Tuesday", "type": "date"}
    assert client.get("/reports/2026-13-40").status_code == 404  # fromisoformat refused it
    assert client.get("/reports/yesterday").status_code == 404  # the regex refused it
    assert app.url_for("report", day=datetime.date(2026, 1, 2)) == "/reports/2026-01-02"


class Slug(Convertor):
    """Lower-case words joined by hyphens; the value is the list of words."""

    regex = "[a-z0-9]+(?:-[a-z0-9]+)*"

    def convert(self, value):
        return value.split("-")

    def to_string(self, value):
        return "-".join(value)


def test_a_convertor_class(app, client):
    app.add_convertor("slug", Slug())

    @app.get("/posts/{words:slug}")
    def post(request, words):
        return {"words": words}

    assert client.get("/posts/hello-big-world").json() == {"words": ["hello", "big", "world"]}
    assert client.get("/posts/Hello").status_code == 404
    assert client.get("/posts/a--b").status_code == 404
    assert app.url_for("post", words=["a", "b"]) == "/posts/a-b"


class UpperPath(PathConvertor):
    """A ``{name:path}``-like convertor of its own: lower-case paths, upper-cased."""

    regex = "[a-z/]+"

    def convert(self, value):
        return value.upper()


def test_a_path_convertor_of_its_own(app, client):
    app.add_convertor("lowerpath", UpperPath())
    app.add_route("/r/{rest:lowerpath}", typed_view)
    assert client.get("/r/ab/cd").json() == {"rest": ["AB/CD", "str"]}
    assert client.get("/r/ab/Cd").status_code == 404


@pytest.mark.parametrize("order", [1, -1], ids=["as-listed", "reversed"])
def test_an_own_convertor_ranks_as_a_typed_parameter(app, client, labelled_view, order):
    app.add_convertor("hexa", "[0-9a-f]+", lambda text: int(text, 16))
    routes = [("/c/{name}", "by_name"), ("/c/{code:hexa}", "by_code")]
    for path, label in routes[::order]:
        app.add_route(path, labelled_view(label))
    assert client.get("/c/ff").json() == {"view": "by_code", "code": 255}
    assert client.get("/c/zz").json() == {"view": "by_name", "name": "zz"}


def test_a_convertor_refusing_with_value_error_makes_the_route_not_match(
    app, client, labelled_view
):
    def even(text):
        number = int(text)
        if number % 2:
            raise ValueError(f"{number} is odd")
        return number

    app.add_convertor("even", "[0-9]+", even)
    app.add_route("/n/{n:even}", labelled_view("even"))
    app.add_route("/n/{s}", labelled_view("other"))
    assert client.get("/n/4").json() == {"view": "even", "n": 4}
    assert client.get("/n/5").json() == {"view": "other", "s": "5"}


def test_a_convertor_is_available_only_to_routes_added_after_it(app):
    with pytest.raises(InvalidRoute, match="unknown convertor 'slug'"):
        app.add_route("/posts/{words:slug}", lambda request, words: None)
    app.add_convertor("slug", Slug())
    app.add_route("/posts/{words:slug}", lambda request, words: None)


@pytest.mark.parametrize(
    ("name", "regex", "message"),
    [
        ("int", "[0-9]+", "a convertor named 'int' already exists"),
        ("my-type", "[a-z]+", "convertor name 'my-type' must be a Python identifier"),
        ("bad", "[a-z", "convertor 'bad' has an invalid regex '\\[a-z'"),
        ("grouped", "([a-z]+)", "has capturing groups; use \\(\\?:...\\) instead"),
        ("optional", "[a-z]*", "must not match an empty segment"),
    ],
)
def test_a_bad_convertor_fails_when_added(app, client, name, regex, message):
    with pytest.raises(ConfigurationError, match=message):
        app.add_convertor(name, regex)
    app.add_route("/n/{n:int}", typed_view)
    assert client.get("/n/5").json() == {"n": [5, "int"]}  # the built-in is untouched


def test_a_bad_convertor_class_regex_fails_when_added(app):
    class Greedy(Convertor):
        regex = ".*"

    with pytest.raises(ConfigurationError, match=r"'greedy' regex '\.\*' must not match an empty"):
        app.add_convertor("greedy", Greedy())


# --- the convertor objects -------------------------------------------------------------


@pytest.mark.parametrize(
    ("convertor", "value", "text"),
    [
        (StringConvertor(), "héllo", "héllo"),
        (IntConvertor(), 42, "42"),
        (IntConvertor(), True, "1"),
        (FloatConvertor(), 2.5, "2.5"),
        (FloatConvertor(), 3, "3.0"),
        (UUIDConvertor(), SAMPLE_UUID, str(SAMPLE_UUID)),
        (PathConvertor(), "a/b", "a/b"),
        (Convertor(), "as-is", "as-is"),
    ],
)
def test_to_string_writes_a_value_the_convertor_reads_back(convertor, value, text):
    assert convertor.to_string(value) == text
    assert convertor.convert(text) == value


@pytest.mark.parametrize(
    ("convertor", "value", "message"),
    [
        (IntConvertor(), -1, "-1 is negative"),
        (IntConvertor(), "x", "invalid literal"),
        (FloatConvertor(), -0.5, "-0.5 is not a non-negative finite number"),
        (FloatConvertor(), float("inf"), "inf is not a non-negative finite number"),
        (FloatConvertor(), float("nan"), "nan is not a non-negative finite number"),
        (StringConvertor(), "", "'' is not a single path segment"),
        (StringConvertor(), "a/b", "'a/b' is not a single path segment"),
    ],
)
def test_to_string_refuses_values_no_url_could_hold(convertor, value, message):
    with pytest.raises(ValueError, match=message):
        convertor.to_string(value)


def test_float_convert_refuses_numbers_too_large_for_a_float():
    with pytest.raises(ValueError, match="too large for a float"):
        FloatConvertor().convert("9" * 400)


def test_convertors_explain_themselves():
    assert repr(IntConvertor()) == "IntConvertor(regex='[0-9]+')"
    assert repr(Slug()) == "Slug(regex='[a-z0-9]+(?:-[a-z0-9]+)*')"


def test_convertors_belong_to_one_application():
    first, second = Roob(static_dir=None), Roob(static_dir=None)
    first.add_convertor("slug", Slug())
    with pytest.raises(InvalidRoute, match="unknown convertor 'slug'"):
        second.add_route("/p/{s:slug}", lambda request, s: None)
    second.add_convertor("slug", "[a-z]+")  # no clash: the tables are not shared
    first.add_route("/p/{s:slug}", lambda request, s: {"s": s}, name="p")
    second.add_route("/p/{s:slug}", lambda request, s: {"s": s}, name="p")
    assert TestClient(first).get("/p/a-b").json() == {"s": ["a", "b"]}
    assert TestClient(second).get("/p/ab").json() == {"s": "ab"}
    assert TestClient(second).get("/p/a-b").status_code == 404
