"""The application factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from inventory.api import product_api
from inventory.database import connect, prepare
from inventory.errors import DatabaseUnavailable
from inventory.pages import add_pages
from inventory.repository import ProductRepository
from inventory.service import ProductService
from inventory.settings import Settings
from roob import Request, Roob, SecurityHeadersMiddleware

__all__ = ["create_app"]

HERE = Path(__file__).resolve().parent


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
        engine = connect(settings.database_url)
        prepare(engine)
        repository = ProductRepository(engine)
    service = ProductService(repository, default_category=settings.default_category)

    app = Roob(
        HERE / "templates",
        HERE / "static",
        debug=settings.debug,
        title="Inventory",
        version="1.0.0",
    )
    app.include_router(product_api(service))
    app.add_api_docs()
    add_pages(app, service)

    @app.exception_handler(DatabaseUnavailable)
    def database_unavailable(request: Request, exc: DatabaseUnavailable) -> Any:
        return {"message": exc.message}, 503, {"Retry-After": str(settings.retry_after)}

    app.add_middleware(SecurityHeadersMiddleware)
    return app
