"""Cross-site request forgery protection: ``Roob(secret_key=..., csrf=True)``.

A page on another site can make a browser send a form (or a ``fetch`` with
a simple body) to this application, cookies included. With CSRF protection
on, a request with an unsafe method (POST, PUT, PATCH, DELETE, ...) whose
body is one a browser sends cross-site without asking (Content-Type
``application/x-www-form-urlencoded``, ``multipart/form-data``,
``text/plain``, or none at all) must carry the session's token, in the form
field ``csrf_token`` or the header ``X-CSRF-Token``; otherwise it is a 403.
Other bodies (``application/json``, ...) need a CORS preflight to be sent
cross-site, so JSON APIs are not affected.

Templates put the token in forms::

    <form method="post">
      <input type="hidden" name="csrf_token" value="{{ csrf_token() }}">

The token is a random secret kept in the session; each ``csrf_token()``
gives it masked with a new random pad (so that a compressed page does not
leak it, the BREACH attack), and any of them verifies. A route opts out with
``@app.post("/hook", csrf=False)``; ``csrf=True`` on a route protects it
when the application's default is off.
"""

from __future__ import annotations

import base64
import functools
import hmac
import secrets
from typing import TYPE_CHECKING, Any

from roob._types import View
from roob.exceptions import Forbidden
from roob.forms import FORM_CONTENT_TYPES, media_type

if TYPE_CHECKING:
    from roob.requests import Request

__all__ = [
    "CSRF_FIELD",
    "CSRF_HEADER",
    "SAFE_METHODS",
    "CSRFError",
    "check_csrf",
    "csrf_protected",
    "csrf_token",
    "verify_csrf_token",
]

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
_SESSION_KEY = "_csrf_secret"
_SECRET_BYTES = 32
# What a browser sends cross-site without a preflight ("" is no Content-Type at all).
_SIMPLE_TYPES = frozenset(
    {"application/x-www-form-urlencoded", "multipart/form-data", "text/plain", ""}
)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class CSRFError(Forbidden):
    """403: the request carries no CSRF token, or not the session's."""


def _secret(request: Request) -> bytes:
    session = request.session
    encoded = session.get(_SESSION_KEY)
    if isinstance(encoded, str):
        try:
            secret = base64.urlsafe_b64decode(encoded)
        except ValueError:
            secret = b""
        if len(secret) == _SECRET_BYTES:
            return secret
    secret = secrets.token_bytes(_SECRET_BYTES)
    session[_SESSION_KEY] = base64.urlsafe_b64encode(secret).decode("ascii")
    return secret


def csrf_token(request: Request) -> str:
    """A token for the request's session, to put in a form or a header."""
    secret = _secret(request)
    pad = secrets.token_bytes(_SECRET_BYTES)
    masked = bytes(a ^ b for a, b in zip(pad, secret, strict=True))
    return base64.urlsafe_b64encode(pad + masked).decode("ascii")


def verify_csrf_token(request: Request, token: str | None) -> bool:
    """Whether ``token`` is one :func:`csrf_token` gave for this request's session."""
    if not token or _SESSION_KEY not in request.session:
        return False
    try:
        raw = base64.urlsafe_b64decode(token.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return False
    if len(raw) != 2 * _SECRET_BYTES:
        return False
    pad, masked = raw[:_SECRET_BYTES], raw[_SECRET_BYTES:]
    unmasked = bytes(a ^ b for a, b in zip(pad, masked, strict=True))
    return hmac.compare_digest(unmasked, _secret(request))


def check_csrf(request: Request) -> None:
    """Raise :class:`CSRFError` if the request needs a token and has no valid one."""
    content_type = media_type(request)  # browsers send any case: Text/Plain
    if request.method in SAFE_METHODS or content_type not in _SIMPLE_TYPES:
        return
    token = request.headers.get(CSRF_HEADER)
    if token is None and content_type in FORM_CONTENT_TYPES:
        token = request.form.get(CSRF_FIELD)
    if not verify_csrf_token(request, token):
        raise CSRFError(
            "CSRF token missing or invalid: send the session's token in the "
            f"form field {CSRF_FIELD!r} or the {CSRF_HEADER} header"
        )


def csrf_protected(view: View) -> View:
    """``view`` behind :func:`check_csrf`."""

    @functools.wraps(view)
    def protected_view(request: Any, **params: Any) -> Any:
        check_csrf(request)
        return view(request, **params)

    return protected_view
