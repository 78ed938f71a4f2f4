"""URLs: links to routes and static files, absolute URLs, and redirects.

::

    request.url_for("note", id=3)                 # "/sub/notes/3" when mounted at /sub
    request.url_for("note", id=3, external=True)  # "https://notes.example/sub/notes/3"
    app.url_for_static("site.css")                # "/static/site.css?v=1c9a4e70b3f2"
    return redirect_to("note", id=3)              # 303 See Other, Location: /sub/notes/3
    return redirect(request.GET["next"]) if url_has_allowed_host_and_scheme(
        request.GET.get("next")) else redirect_to("home")  # a client's target, checked

Paths are built from the route's pattern and include the ``SCRIPT_NAME`` of
the request being served (the prefix an application mounted below the root
of a site is served under), so a link is right wherever the application is
mounted. ``app.url_for``, ``redirect_to`` and templates do the same during a
request (found with :func:`roob.current_request`, roob/lifecycle.py: in the
view, the hooks, a streamed body, a thread run in a copied context), and
``app.url_for`` gives the path from the root of the application outside one.

An absolute URL needs an origin that a client cannot choose: the
application's ``public_origin``, or else the request's ``Host`` once
:class:`~roob.TrustedHostMiddleware` has checked it against its allowed
hosts. With neither, ``external=True`` is a :class:`~roob.ConfigurationError`:
a ``Host`` header is whatever the client sends, and a link built from it can
point anywhere (password-reset poisoning).
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, urlsplit

from roob.exceptions import ConfigurationError, UnsafeRedirect
from roob.lifecycle import current_request
from roob.requests import TRUSTED_HOST_KEY, external_origin
from roob.responses import Response

__all__ = [
    "REDIRECT_STATUSES",
    "TRUSTED_HOST_KEY",
    "current_request",
    "external_origin",
    "redirect",
    "redirect_to",
    "static_version",
    "url_has_allowed_host_and_scheme",
]

#: The statuses :func:`redirect` sends.
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


def check_public_origin(origin: str | None) -> str | None:
    """``origin`` checked: ``scheme://host[:port]`` with nothing after it."""
    if origin is None:
        return None
    parts = urlsplit(origin)
    if (
        parts.scheme not in ("http", "https")
        or not parts.netloc
        or parts.path.strip("/")
        or (parts.query or parts.fragment)
    ):
        raise ConfigurationError(
            f"public_origin={origin!r} must be a scheme and a host, such as "
            "'https://shop.example' or 'http://127.0.0.1:8000', with no path"
        )
    return f"{parts.scheme}://{parts.netloc}"


_versions: dict[str, tuple[float, int, str]] = {}


def static_version(path: str) -> str:
    """A short hash of the file's content, recomputed when the file changes."""
    stat = os.stat(path)
    known = _versions.get(path)
    if known is not None and known[:2] == (stat.st_mtime, stat.st_size):
        return known[2]
    digest = hashlib.blake2b(digest_size=6)
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 16), b""):
            digest.update(block)
    version = digest.hexdigest()
    _versions[path] = (stat.st_mtime, stat.st_size, version)
    return version


def url_has_allowed_host_and_scheme(
    url: str | None,
    allowed_hosts: str | Iterable[str] | None = None,
    *,
    require_https: bool = False,
) -> bool:
    """Whether a browser sent to ``url`` stays on ``allowed_hosts``: check a target the
    client chose (``?next=``) before :func:`redirect` sends it there.

    True for a path on this site (``/notes/3``, ``notes?page=2``, ``#top``) and
    for an absolute ``http(s)://`` URL whose host (with its port, if any) is
    one of ``allowed_hosts``; False for anything else: another host,
    a scheme other than http(s) (``javascript:``), an empty or missing value,
    and every disguise of another host that a browser reads as one
    (``//evil.example``, ``\\/evil.example``, ``/\\evil.example``,
    ``https:evil.example``, a leading space or control character, a tab
    inside). ``require_https`` refuses ``http://`` URLs too. A URL it accepts
    is one :func:`redirect` sends as it is, but for a scheme-relative
    ``//host/path`` to an allowed host, which :func:`redirect` refuses (a 400).
    """
    target = _browser_target(url)
    if target is None:
        return False
    hosts = {allowed_hosts} if isinstance(allowed_hosts, str) else set(allowed_hosts or ())
    hosts = {host.lower() for host in hosts}
    schemes = ("https",) if require_https else ("http", "https")
    # A scheme-relative URL (//host/path) takes the page's scheme: it may be http.
    return all(
        (not netloc or netloc in hosts) and (scheme or ("http" if netloc else "")) in ("", *schemes)
        for scheme, netloc in target
    )


# Browsers drop C0 controls and spaces around a URL and tabs and line breaks in it
# (WHATWG URL, "basic URL parser"), so a client can hide "//" behind them: a target
# holding any of them, or any other control character, is refused outright.
_STRIPPED_BY_BROWSERS = "".join(map(chr, range(0x21)))


def _browser_target(url: object) -> tuple[tuple[str, str], ...] | None:
    """The (scheme, host) pairs ``url`` may mean to a browser, or None for a URL that
    is not one (empty, wrapped in spaces, with control characters or lone surrogates,
    malformed).

    A browser reads ``\\`` as ``/`` in http(s) URLs, but Python's ``urlsplit``
    does not, and a ``\\`` in a user name is literal: both readings are
    returned, and a caller accepts the URL only if both are acceptable.
    """
    if not isinstance(url, str) or not url or url.strip(_STRIPPED_BY_BROWSERS) != url:
        return None
    # A control character, or a lone surrogate (valid in a JSON string, with no UTF-8
    # form to send: quote() would raise).
    if any(unicodedata.category(char) in ("Cc", "Cs") for char in url):
        return None
    readings = []
    for form in (url, url.replace("\\", "/")):
        try:
            parts = urlsplit(form)
            parts.port  # noqa: B018  (a port that is not a number is a ValueError)
        except ValueError:  # a bad IPv6 literal, a bad port
            return None
        if parts.scheme and not parts.netloc:  # http:evil.example, http:/\evil.example
            return None
        if form.startswith("//") and not parts.netloc:
            # A browser reads ///host as //host (urlsplit does not), and // without a
            # host is no URL at all (it shows an error page).
            return None
        readings.append((parts.scheme, parts.netloc.lower()))
    return tuple(readings)


def redirect(url: str, /, status: int = 303) -> Response:
    """A response that sends the client to ``url``.

    ``url`` is a path on this site (``"/notes"``, ``"?page=2"``, ``"./edit"``,
    ``"edit"``) or an absolute ``http(s)://`` URL; a route is reached with
    :func:`redirect_to`. ``status`` is 303 by default (See Other: the client
    GETs the new URL, the answer to a form POST), or 301, 302, 307 or 308.

    A target that a browser would read as another host in disguise
    (``//evil.example``, ``\\/evil.example``, a leading space or control
    character), or with a scheme other than http(s), is refused with
    :class:`~roob.exceptions.UnsafeRedirect`, a 400, since such a target is usually the
    client's (``?next=``). Characters outside ASCII are sent percent-encoded
    in UTF-8. An absolute URL to another host is sent as written: check a
    client's target with :func:`url_has_allowed_host_and_scheme` first.
    """
    _check_status(status)
    if not isinstance(url, str):
        raise ConfigurationError(
            f"redirect() takes a URL (a str), not {url!r}; for a route use redirect_to(name)"
        )
    target = _browser_target(url)
    if target is None:
        raise UnsafeRedirect(
            "Redirect refused: the target is empty, or holds spaces around it or control "
            "characters, which browsers drop, turning it into another URL"
        )
    for scheme, netloc in target:
        if scheme not in ("", "http", "https"):
            raise UnsafeRedirect(f"Redirect to a {scheme}: URL refused")
        if netloc and not scheme:
            raise UnsafeRedirect(
                "Redirect refused: a path starting with two slashes is another host (give "
                "the full URL if another host is meant)"
            )
    if not url.isascii():  # a header is bytes: UTF-8, percent-encoded, as browsers send it
        url = _NON_ASCII.sub(lambda run: quote(run.group()), url)
    return Response(status=status, headers=[("Location", url)])


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def redirect_to(name: str, /, status: int = 303, **params: Any) -> Response:
    """A response that sends the client to the route called ``name``, its path built
    with ``params`` as :meth:`Request.url_for <roob.Request.url_for>` builds it
    (under the request's ``SCRIPT_NAME``): ``redirect_to("note", id=3)``.

    It is called while serving a request. ``status`` is as for :func:`redirect`.
    """
    _check_status(status)
    request = current_request()
    if request is None or request.app is None:
        raise ConfigurationError(
            f"redirect_to({name!r}) names a route, which only the application serving a "
            "request can find: call it while serving one, or redirect(app.url_for(...))"
        )
    return Response(status=status, headers=[("Location", request.url_for(name, **params))])


def _check_status(status: int) -> None:
    if status not in REDIRECT_STATUSES:
        raise ConfigurationError(
            f"redirect(status={status!r}): a redirect is 301, 302, 303, 307 or 308 "
            "(303 after a form, 307/308 to repeat the method and body)"
        )
