"""RealWorld's error shape, ``{"errors": {"body": ["..."]}}``, for every error Roob answers.

One handler for :class:`~roob.HTTPError` covers them all: a view's ``NotFound``, the
401 of the token scheme, the 422 of a body that fails validation, Roob's own 404 and
405. It returns the body alone, so the answer keeps the error's status and headers
(``WWW-Authenticate``, ``Allow``). The application registers it with
``response=GenericErrorModel``, so the OpenAPI document gives that body for every
``4XX``, 422 and 401, as RealWorld's spec does.
"""

from __future__ import annotations

from typing import Any

from examples.conduit.schemas import ErrorMessages, GenericErrorModel
from roob import HTTPError, Request, UnprocessableEntity


def _validation_messages(errors: list[dict[str, Any]]) -> list[str]:
    """``"user.email: Field required"`` for each of a 422's errors (its ``loc`` after
    ``body``/``query``, then its ``msg``)."""
    messages = []
    for error in errors:
        where = ".".join(str(part) for part in error["loc"][1:])
        messages.append(f"{where}: {error['msg']}" if where else error["msg"])
    return messages


def realworld_error(request: Request, exc: HTTPError) -> GenericErrorModel:
    errors = exc.extra.get("errors") if isinstance(exc, UnprocessableEntity) else None
    messages = _validation_messages(errors) if errors else [exc.message]
    return GenericErrorModel(errors=ErrorMessages(body=messages))
