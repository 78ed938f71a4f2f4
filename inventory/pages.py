"""The HTML pages: the dashboard and the seed's static view."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from inventory.service import ProductService
from roob import Request, Roob

__all__ = ["DASHBOARD_PAGE_SIZE", "add_pages"]

#: Products on one page of the dashboard: each request does bounded work.
DASHBOARD_PAGE_SIZE = 100


def add_pages(app: Roob, service: ProductService) -> None:
    """Register ``/dashboard`` and ``/static`` on ``app``."""

    @app.get("/dashboard", name="dashboard")
    def dashboard(request: Request, page: Annotated[int, Field(ge=1, le=2**31)] = 1) -> str:
        """The inventory in HTML, a page of products (in id order) at a time."""
        offset = (page - 1) * DASHBOARD_PAGE_SIZE
        categories, total = service.inventory(limit=DASHBOARD_PAGE_SIZE, offset=offset)
        pages = max(1, -(-total // DASHBOARD_PAGE_SIZE))
        context = {"categories": categories, "total": total, "page": page, "pages": pages}
        return app.template("dashboard.html", context)

    @app.get("/static", name="static_view")
    def static_view(request: Request) -> str:
        return "<h1>This is a static view</h1>"
