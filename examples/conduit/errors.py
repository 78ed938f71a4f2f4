"""RealWorld's error shape, ``{"errors": {"body": ["..."]}}``, for every error Roob answers.

One handler for :class:`~roob.HTTPError` covers them all: a view's ``NotFound``, the
401 of the token scheme, the 422 of a body that fails validation, Roob's own 404 and
405. The error's headers (``WWW-Authenticate``, ``Allow``) stay on the answer.
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


def realworld_error(request: Request, exc: HTTPError) -> tuple[GenericErrorModel, int]:
    errors = exc.extra.get("errors") if isinstance(exc, UnprocessableEntity) else None
    messages = _validation_messages(errors) if errors else [exc.message]
    return GenericErrorModel(errors=ErrorMessages(body=messages)), exc.status
