"""The same application written for each framework.

Every app serves, after registering ``EXTRA_ROUTES`` other routes first:

=======================================================  ==========================
``GET /hello``                                           ``Hello, World!`` (text)
``GET /json``                                            ``{"message": "Hello, World!"}``
``GET /users/{id:int}``                                  ``{"id": id}``
``GET /api/v1/orgs/{org}/projects/{project:int}/items/{item}``  the three values
``GET /missing/path``                                    a 404
``POST /echo`` (a JSON body)                             ``{"received": body}``
``GET /cbv``                                             ``{"view": "class"}`` from a class
``OPTIONS /users/{id:int}``                              the ``Allow`` header (200 or 204)
=======================================================  ==========================
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Any]

EXTRA_ROUTES = 200

#: name -> the module of ``benchmarks.apps`` that writes the app, in table order.
#: Each module has ``create_app(extra_routes=EXTRA_ROUTES)`` and imports only its
#: own framework, so a server running one framework loads no other.
FRAMEWORKS: dict[str, str] = {
    "roob": "roob_idiomatic",
    "roob-seed": "roob_seed_style",
    "raw-wsgi": "raw_wsgi",
    "falcon": "falcon_app",
    "bottle": "bottle_app",
    "flask": "flask_app",
}


def create(name: str, extra_routes: int = EXTRA_ROUTES) -> WSGIApp:
    """The app of framework ``name``."""
    module = importlib.import_module(f"benchmarks.apps.{FRAMEWORKS[name]}")
    app: WSGIApp = module.create_app(extra_routes)
    return app
