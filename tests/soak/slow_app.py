"""The inventory with a slow write, for the SIGTERM test: ``POST /slow?seconds=2``.

The request sleeps, then is served as ``POST /api/products``, so a graceful
shutdown can be seen to let a write in flight finish and be stored.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from inventory import create_app

inventory = create_app()


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if environ.get("PATH_INFO") == "/slow":
        query = parse_qs(environ.get("QUERY_STRING", ""))
        time.sleep(float(query.get("seconds", ["2"])[0]))
        environ["PATH_INFO"] = "/api/products"
    return inventory(environ, start_response)
