"""The application factory."""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Any

from sqlalchemy.exc import OperationalError

from inventory.api import CATEGORY_SEGMENT, product_api
from inventory.database import connect, prepare
from inventory.errors import DatabaseUnavailable
from inventory.pages import add_pages
from inventory.repository import ProductRepository
from inventory.service import ProductService
from inventory.settings import Settings
from roob import GZipMiddleware, Request, Roob, SecurityHeadersMiddleware, TrustedHostMiddleware

__all__ = ["create_app"]

HERE = Path(__file__).resolve().parent
logger = logging.getLogger("inventory")


def create_app(
    settings: Settings | None = None, *, repository: ProductRepository | None = None
) -> Roob:
    """The inventory service as a WSGI application.

    :param settings: defaults to :meth:`Settings.from_environment`.
    :param repository: the products' storage; by default one on
        ``settings.database_url``, its schema created and seeded on first use.
    """
    settings = settings or Settings.from_environment()
    if repository is None:
        engine = connect(settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms)
        try:
            prepare(engine)
            repository = ProductRepository(engine)
        except OperationalError as exc:
            # The database is down while this worker starts (a restart, or a worker
            # recycled during an outage). Failing here would make gunicorn stop every
            # worker; serve 503s instead and prepare the database once it is back.
            logger.error("database unavailable at start-up: %s", exc.orig)
            repository = ProductRepository(engine, setup=functools.partial(prepare, engine))
    service = ProductService(repository, default_category=settings.default_category)

    app = Roob(
        HERE / "templates",
        HERE / "static",
        debug=settings.debug,
        title="Inventory",
        version="1.0.0",
        # GET answers carry an ETag, and a client that has the current one gets a 304.
        conditional=True,
    )
    # A category is never all digits: /api/products/7 is product 7, whatever the categories.
    app.add_convertor("category", CATEGORY_SEGMENT)
    app.include_router(product_api(service, public_origin=settings.public_origin))
    app.add_api_docs()
    add_pages(app, service)

    @app.after_request
    def revalidate(request: Request, response: Any) -> Any:
        # The inventory changes with every write: a cache may keep an answer, but asks
        # again before using it (and gets a 304 while its ETag holds).
        response.headers.setdefault("Cache-Control", "no-cache")
        return response

    @app.exception_handler(DatabaseUnavailable)
    def database_unavailable(request: Request, exc: DatabaseUnavailable) -> Any:
        return {"message": exc.message}, 503, {"Retry-After": str(settings.retry_after)}

    # Pages and JSON compressed for the clients that accept it (the dashboard's
    # hundred rows shrink about tenfold).
    app.add_middleware(GZipMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    if settings.allowed_hosts:  # outermost: nothing else sees a forged Host
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts)
    return app
