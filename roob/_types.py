"""The type aliases Roob's modules share; this is the only place they are spelled."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]
#: A view as the route table calls it: ``view(request, **params)``.
View = Callable[..., Any]
BeforeHook = Callable[[Any], Any]
AfterHook = Callable[[Any, Any], Any]
ExceptionHandler = Callable[[Any, Any], Any]
#: ``teardown(request, exc)``: called once a request has ended (roob/lifecycle.py).
TeardownFunction = Callable[[Any, Any], Any]
#: ``listener(request, exc)``: told of each exception on the way to an answer.
ExceptionListener = Callable[[Any, Any], Any]
#: A ``methods=`` argument: one name, several, or None for the default.
Methods = Iterable[str] | str | None
#: Headers given as a mapping or as (name, value) pairs.
Headers = Mapping[str, str] | Iterable[tuple[str, str]]
