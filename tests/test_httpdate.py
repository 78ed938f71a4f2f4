"""roob/httpdate.py: HTTP dates read strictly; anything that is not one is None, never an error."""

from __future__ import annotations

import datetime

import pytest

from roob import httpdate
from roob.httpdate import parse_http_date

UTC = datetime.UTC


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # The three formats of RFC 9110, 5.6.7 (its own examples; Django's
        # utils_tests/test_http.py HttpDateProcessingTests.test_parsing_rfc1123,
        # test_parsing_asctime; Werkzeug's tests/test_http.py test_parse_date).
        ("Sun, 06 Nov 1994 08:49:37 GMT", datetime.datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)),
        ("Sunday, 06-Nov-94 08:49:37 GMT", datetime.datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)),
        ("Sun Nov  6 08:49:37 1994", datetime.datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)),
        ("Sun Nov 06 08:49:37 1994", datetime.datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)),
        # Werkzeug: surrounding whitespace is not part of the value.
        (
            "Sun, 06 Nov 1994 08:49:37 GMT    ",
            datetime.datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC),
        ),
        (" Sun Nov  6 08:49:37 1994", datetime.datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)),
        ("Thu, 01 Jan 1970 00:00:00 GMT", datetime.datetime(1970, 1, 1, tzinfo=UTC)),
        # The ends of the range a datetime holds.
        ("Mon, 01 Jan 0001 00:00:00 GMT", datetime.datetime(1, 1, 1, tzinfo=UTC)),
        ("Fri, 31 Dec 9999 23:59:59 GMT", datetime.datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)),
        # A four-digit year is that year. (Django's test_parsing_year_less_than_70 reads
        # asctime's "0037" as 2037; the grammar's year is 4DIGIT, a year as written.)
        ("Sun Nov  6 08:49:37 0037", datetime.datetime(37, 11, 6, 8, 49, 37, tzinfo=UTC)),
        ("Tue, 29 Feb 2028 12:00:00 GMT", datetime.datetime(2028, 2, 29, 12, tzinfo=UTC)),
    ],
)
def test_the_three_formats_are_read(value, expected):
    assert parse_http_date(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        # The review's 500 (issue 18, class 6): WebOb raises "year 99999 is out of range".
        "Sat, 01 Jan 99999 00:00:00 GMT",
        "Sat, 01 Jan -1 00:00:00 GMT",
        # Out-of-range fields, which WebOb moves into the next month, day or hour
        # (Werkzeug's test_parse_date "Thu, 33 Jan 1970"; Django's
        # conditional_processing LAST_MODIFIED_INVALID_STR "Mon, 32 Oct 2010").
        "Thu, 33 Jan 1970 00:00:00 GMT",
        "Mon, 32 Oct 2010 16:56:23 GMT",
        "Mon, 30 Feb 2026 00:00:00 GMT",
        "Sun, 29 Feb 2026 00:00:00 GMT",
        "Mon, 30 Nov 2026 24:00:00 GMT",
        "Mon, 30 Nov 2026 12:60:00 GMT",
        "Mon, 30 Nov 2026 12:00:60 GMT",  # a leap second: no datetime holds it
        "Mon, 01 Jan 0000 00:00:00 GMT",  # there is no year 0
        "Sun Nov  0 08:49:37 1994",
        # Not the grammar: other zones, case, spacing, missing parts, other digits.
        "foo",
        "",
        "   ",
        "Sun, 06 Nov 1994 08:49:37 +0000",
        "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun, 06 Nov 1994 08:49:37",
        "sun, 06 nov 1994 08:49:37 gmt",
        "Sun, 6 Nov 1994 08:49:37 GMT",
        "Sun,  06 Nov 1994 08:49:37 GMT",
        "Sun 06 Nov 1994 08:49:37 GMT",  # Werkzeug reads this one; the grammar has a comma
        "Sun, 06 November 1994 08:49:37 GMT",
        "Sun, 06 Nov 94 08:49:37 GMT",
        "Sun, 06 Nov 1994 8:49:37 GMT",
        "Sund, 06-Nov-94 08:49:37 GMT",
        "Sunday, 06-Nov-1994 08:49:37 GMT",
        "1994-11-06T08:49:37Z",
        "784111777",
        # Django's test_parsing_asctime_nonascii_digits: int() reads them, the grammar does not.
        "Sun Nov  6 08:49:37 \uff11\uff19\uff19\uff14",  # fullwidth 1994
        "Sun Nov \uff11\uff12 08:49:37 1994",
        "Sun, \u0660\u0666 Nov 1994 08:49:37 GMT",  # Arabic-Indic 06
        # A list of dates (RFC 9110, 13.1.3: "more than one member") is not a date.
        "Sun, 06 Nov 1994 08:49:37 GMT, Mon, 07 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 GMT\x00",
        "Sun, 06 Nov 1994 08:49:37 GMT" + " " * 10_000 + "x",
    ],
)
def test_what_is_not_a_date_is_none(value):
    assert parse_http_date(value) is None


def test_no_header_is_none():
    assert parse_http_date(None) is None


@pytest.mark.parametrize(
    ("this_year", "value", "year"),
    [
        # Django's HttpDateProcessingTests.test_parsing_rfc850: a two-digit year more
        # than 50 years ahead is the most recent past year ending in those digits.
        (2019, "Tuesday, 31-Dec-69 08:49:37 GMT", 2069),
        (2019, "Tuesday, 10-Nov-70 08:49:37 GMT", 1970),
        (2019, "Sunday, 06-Nov-94 08:49:37 GMT", 1994),
        (2020, "Wednesday, 31-Dec-70 08:49:37 GMT", 2070),
        (2020, "Friday, 31-Dec-71 08:49:37 GMT", 1971),
        (2048, "Sunday, 31-Dec-00 08:49:37 GMT", 2000),
        (2048, "Friday, 31-Dec-99 08:49:37 GMT", 1999),
    ],
)
def test_a_two_digit_year_is_at_most_50_years_ahead(monkeypatch, this_year, value, year):
    monkeypatch.setattr(httpdate, "_current_year", lambda: this_year)
    assert parse_http_date(value).year == year


def test_the_current_year_is_this_year():
    assert httpdate._current_year() == datetime.datetime.now(UTC).year
