"""The HTML pages: the dashboard and the seed's static view."""

from __future__ import annotations

from inventory.service import ProductService
from roob import Request, Roob

__all__ = ["add_pages"]


def add_pages(app: Roob, service: ProductService) -> None:
    """Register ``/dashboard`` and ``/static`` on ``app``."""

    @app.get("/dashboard", name="dashboard")
    def dashboard(request: Request) -> str:
        categories, total = service.inventory()
        return app.template("dashboard.html", {"categories": categories, "total": total})

    @app.get("/static", name="static_view")
    def static_view(request: Request) -> str:
        return "<h1>This is a static view</h1>"
