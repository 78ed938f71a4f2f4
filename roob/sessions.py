"""Sessions: ``request.session``, a dict of JSON values kept in a signed cookie.

::

    app = Roob(secret_key=os.environ["SECRET_KEY"])

    @app.post("/login")
    def login(request):
        request.session["user"] = request.form["user"]
        return redirect_to("home")

The cookie holds the session itself, signed with the first of the secret
keys by itsdangerous (HMAC-SHA1 over the JSON, with a timestamp): the client
can read it but not change it. Every key verifies, so keys can be rotated:
put the new key first, and drop the old one once ``max_age`` has passed.
A cookie that was tampered with, signed by an unknown key, older than
``max_age`` or not a JSON object gives an empty session, never an error.

A session that was changed (``session["x"] = ...``, ``del``, ``clear()``,
...) is written back when the response starts, and an emptied one deletes
the cookie; an unchanged one sends no ``Set-Cookie``. Changes inside a value
(``session["cart"].append(3)``) are not seen: set ``session.modified = True``.
A response to a request that read its session carries ``Vary: Cookie``, so
that a shared cache does not give one visitor's page to another.
Requests that do not touch ``request.session`` pay nothing; applications
without a secret key do not have the layer at all.
"""

from __future__ import annotations

import datetime
import email.utils
import http.cookies
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from roob._types import Environ, StartResponse, WSGIApp
from roob.exceptions import ConfigurationError
from roob.responses import add_vary

__all__ = ["SESSION_KEY", "Session", "SessionCookie", "session_layer"]

#: Where a request's session waits in the WSGI environ until the response starts.
SESSION_KEY = "roob.session"
_SALT = "roob.session"


class CookieRequest(Protocol):
    """What :meth:`SessionCookie.load` reads of a request; a :class:`roob.Request` is one
    (named here since roob/requests.py imports this module, not the reverse)."""

    @property
    def cookies(self) -> Mapping[str, str]: ...


class Session(dict[str, Any]):
    """A dict that knows whether it was changed (``modified``)."""

    modified = False

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        self.modified = True

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self.modified = True

    def clear(self) -> None:
        if self:
            self.modified = True
        super().clear()

    def pop(self, key: str, *default: Any) -> Any:
        if key in self:
            self.modified = True
        return super().pop(key, *default)

    def popitem(self) -> tuple[str, Any]:
        self.modified = True
        return super().popitem()

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self.modified = True
        return super().setdefault(key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        super().update(*args, **kwargs)
        self.modified = True

    def __ior__(self, other: Any) -> Session:  # type: ignore[override,misc]
        self.update(other)
        return self


class SessionCookie:
    """How sessions are kept: the cookie's name and attributes, and the keys.

    :param secret_keys: the keys, newest first; the first signs, all verify.
    :param name: the cookie's name.
    :param max_age: seconds a session lives after its last change (the cookie's
        ``Max-Age``, and the oldest signature accepted).
    :param secure: send the cookie over HTTPS only. ``None``: when the request
        came over HTTPS (``wsgi.url_scheme``, which gunicorn sets from
        ``X-Forwarded-Proto`` for trusted proxies).
    :param same_site: ``"Lax"`` (the default), ``"Strict"`` or ``"None"``.
    :param path: the cookie's path (the application's ``SCRIPT_NAME`` or ``/``
        when not given).
    :param domain: the cookie's domain (the host alone when not given).

    The cookie is always ``HttpOnly``: scripts cannot read it.
    """

    def __init__(
        self,
        secret_keys: str | bytes | Sequence[str | bytes],
        *,
        name: str = "session",
        max_age: int = 14 * 24 * 3600,
        secure: bool | None = None,
        same_site: str = "Lax",
        path: str | None = None,
        domain: str | None = None,
    ) -> None:
        keys = [secret_keys] if isinstance(secret_keys, str | bytes) else list(secret_keys)
        if not keys or not all(isinstance(key, str | bytes) and len(key) >= 16 for key in keys):
            raise ConfigurationError(
                "secret_key must be a string of at least 16 characters (or a list of them, "
                "newest first); generate one with: python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))'"
            )
        if same_site not in ("Lax", "Strict", "None"):
            raise ConfigurationError(
                f"same_site must be 'Lax', 'Strict' or 'None', not {same_site!r}"
            )
        if same_site == "None" and secure is False:
            raise ConfigurationError(
                "same_site='None' needs a Secure cookie: do not pass secure=False"
            )
        from itsdangerous import URLSafeTimedSerializer

        # itsdangerous signs with the last key of its list and verifies with all of them.
        encoded = [key.encode("utf-8") if isinstance(key, str) else key for key in keys]
        self._serializer = URLSafeTimedSerializer(encoded[::-1], salt=_SALT)
        self.name = name
        self.max_age = max_age
        self.secure = secure
        self.same_site = same_site
        self.path = path
        self.domain = domain

    def load(self, request: CookieRequest) -> Session:
        """The request's session, from its cookie (empty if there is none or it is not valid)."""
        from itsdangerous import BadData

        session = Session()
        cookie = request.cookies.get(self.name)
        if cookie:
            try:
                value = self._serializer.loads(cookie, max_age=self.max_age)
            except (BadData, ValueError):  # forged, expired, or signed but not JSON
                value = None
            if isinstance(value, dict):
                dict.update(session, value)
        return session

    def set_cookie_header(self, session: Session, environ: Environ) -> tuple[str, str]:
        """The ``Set-Cookie`` header that stores ``session`` (or deletes it when empty)."""
        secure = self.secure
        if secure is None:
            secure = environ.get("wsgi.url_scheme") == "https"
        if session:
            try:
                value = self._serializer.dumps(dict(session))
            except TypeError as exc:
                raise TypeError(
                    f"request.session holds a value JSON cannot store: {exc}; keep str, "
                    "int, float, bool, None, lists and dicts of them"
                ) from None
            max_age = self.max_age
        else:
            value, max_age = "", 0  # the browser deletes it
        # The standard library's Morsel: WebOb's make_cookie calls datetime.utcnow(),
        # deprecated on 3.12+, which would warn in every test run of an application.
        cookie: http.cookies.Morsel[str] = http.cookies.Morsel()
        cookie.set(self.name, value, value)  # URL-safe base64 and dots: nothing to quote
        expires = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=max_age)
        cookie["max-age"] = str(max_age)
        cookie["expires"] = email.utils.format_datetime(expires, usegmt=True)
        cookie["path"] = self.path or environ.get("SCRIPT_NAME") or "/"
        if self.domain:
            cookie["domain"] = self.domain
        cookie["secure"] = bool(secure)
        cookie["httponly"] = True
        cookie["samesite"] = self.same_site
        return "Set-Cookie", cookie.OutputString()

    def __repr__(self) -> str:
        return f"SessionCookie(name={self.name!r}, max_age={self.max_age})"


def session_layer(app: WSGIApp, sessions: SessionCookie) -> WSGIApp:
    """``app`` whose responses carry the session cookie when the session was changed."""

    def with_sessions(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            session = environ.get(SESSION_KEY)
            if session is not None:
                # The answer depends on the cookie: a shared cache must not give it to others.
                headers = add_vary(headers, "Cookie")
                if session.modified:
                    session.modified = False  # sent once, and a value JSON refuses fails once
                    headers = [*headers, sessions.set_cookie_header(session, environ)]
            return start_response(status, headers, exc_info)

        return app(environ, start)

    return with_sessions
