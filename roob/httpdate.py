"""HTTP dates (RFC 9110, 5.6.7), read strictly: what is not a valid date is None.

A client's ``If-Modified-Since: Sat, 01 Jan 99999 00:00:00 GMT`` is not a
date, nor is ``Sun, 32 Jan 2026 08:00:00 GMT``, and the RFC says to ignore
such a header (13.1.3, 13.1.4). WebOb's parser raises on the first and reads
the second as 1 February. :func:`parse_http_date` accepts the three formats a
recipient must, as the grammar spells them, and nothing else::

    parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT")   # IMF-fixdate
    parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT")  # RFC 850 (obsolete)
    parse_http_date("Sun Nov  6 08:49:37 1994")        # asctime (obsolete)
"""

from __future__ import annotations

import datetime
import re

__all__ = ["parse_http_date"]

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH = rf"(?P<month>{'|'.join(_MONTHS)})"
_DAY_NAME = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_TIME = "(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2})"
# [0-9], not \d: int() would read other scripts' digits too. Names are case-sensitive.
_FORMATS = (
    re.compile(rf"{_DAY_NAME}, (?P<day>[0-9]{{2}}) {_MONTH} (?P<year>[0-9]{{4}}) {_TIME} GMT"),
    re.compile(
        rf"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day, "
        rf"(?P<day>[0-9]{{2}})-{_MONTH}-(?P<yy>[0-9]{{2}}) {_TIME} GMT"
    ),
    re.compile(rf"{_DAY_NAME} {_MONTH} (?P<day>[0-9]{{2}}| [0-9]) {_TIME} (?P<year>[0-9]{{4}})"),
)


def parse_http_date(value: str | None) -> datetime.datetime | None:
    """The moment ``value`` names, in UTC, or None if it is not an HTTP date.

    Out-of-range fields (day 32, hour 24, second 60, year 0) are not dates.
    A two-digit RFC 850 year more than 50 years ahead is taken in the past
    century, as the RFC says.
    """
    if not value:
        return None
    value = value.strip(" \t")
    for pattern in _FORMATS:
        found = pattern.fullmatch(value)
        if found is not None:
            break
    else:
        return None
    fields = found.groupdict()
    year = int(fields["year"]) if "yy" not in fields else _full_year(int(fields["yy"]))
    try:
        return datetime.datetime(
            year,
            _MONTHS.index(fields["month"]) + 1,
            int(fields["day"]),
            int(fields["hour"]),
            int(fields["minute"]),
            int(fields["second"]),
            tzinfo=datetime.UTC,
        )
    except ValueError:
        return None


def _full_year(two_digits: int) -> int:
    this_year = _current_year()
    year = this_year - this_year % 100 + two_digits
    return year - 100 if year > this_year + 50 else year


def _current_year() -> int:
    return datetime.datetime.now(datetime.UTC).year
