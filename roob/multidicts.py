"""What the client sent, read as mappings whose missing key is the client's mistake.

::

    request.GET["page"]               # the query string
    request.form["title"]             # the fields of a form body
    request.files["picture"]          # its files
    request.headers["Authorization"]
    request.cookies["theme"]

Each of these, for something the client did not send, raises
:class:`~roob.MissingField`: a ``KeyError``, as a dict would raise, that is
also a 400 naming what is missing, so that reading a required value the
plain way answers the client's mistake as one (Werkzeug's
``BadRequestKeyError``, which Flask answers with a 400). ``.get()`` still
gives None for a missing key.
"""

from __future__ import annotations

from typing import Any, NoReturn

from webob.cookies import RequestCookies
from webob.headers import EnvironHeaders
from webob.multidict import GetDict, MultiDict

from roob.exceptions import MissingField

__all__ = ["ClientCookies", "ClientHeaders", "FormFields", "FormFiles", "QueryParams"]


class _RequiredKeys:
    """A :class:`webob.multidict.MultiDict` mixin: a missing key is a :class:`MissingField`."""

    #: What is missing, said to the client: ``{what}`` {key!r}.
    _what = "The form has no field"
    _many = "The form has {count} fields {key!r}, not one"

    def __getitem__(self, key: Any) -> Any:
        try:
            return super().__getitem__(key)  # type: ignore[misc]
        except KeyError:
            self._missing(key)

    def getone(self, key: Any) -> Any:
        """The one value of ``key``: a 400 if there is none, or more than one."""
        values = self.getall(key)  # type: ignore[attr-defined]
        if len(values) == 1:
            return values[0]
        if not values:
            self._missing(key)
        raise MissingField(key, self._many.format(count=len(values), key=key))

    def pop(self, key: Any, *default: Any) -> Any:
        try:
            return super().pop(key, *default)  # type: ignore[misc]
        except KeyError:
            self._missing(key)

    def _missing(self, key: Any) -> NoReturn:
        raise MissingField(key, f"{self._what} {key!r}") from None


class FormFields(_RequiredKeys, MultiDict):  # type: ignore[misc]
    """``request.form``: the text fields of a form body."""


class FormFiles(_RequiredKeys, MultiDict):  # type: ignore[misc]
    """``request.files``: the :class:`~roob.UploadedFile` values of a multipart body."""

    _what = "The form has no file"
    _many = "The form has {count} files {key!r}, not one"


class QueryParams(_RequiredKeys, GetDict):  # type: ignore[misc]
    """``request.GET``: the query string's parameters (WebOb's ``GetDict``, which
    writes changes back to the environ)."""

    _what = "The query string has no parameter"
    _many = "The query string has {count} parameters {key!r}, not one"


class ClientHeaders(EnvironHeaders):  # type: ignore[misc]
    """``request.headers``: the request's headers, read from the environ."""

    def __getitem__(self, name: str) -> str:
        try:
            return super().__getitem__(name)  # type: ignore[no-any-return]
        except KeyError:
            raise MissingField(name, f"The request has no header {name!r}") from None


class ClientCookies(RequestCookies):  # type: ignore[misc]
    """``request.cookies``: the cookies the request carries."""

    def __getitem__(self, name: str) -> str:
        try:
            return super().__getitem__(name)  # type: ignore[no-any-return]
        except KeyError:
            raise MissingField(name, f"The request has no cookie {name!r}") from None
