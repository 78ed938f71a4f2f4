"""The inventory service: the seed's product demo as a real application.

``create_app()`` builds the WSGI application; ``inventory.wsgi:app`` is the
instance servers load. Layers, outermost first: views (inventory/api.py,
inventory/pages.py) -> :class:`ProductService` (inventory/service.py) ->
:class:`ProductRepository` (inventory/repository.py, SQLAlchemy Core) -> the
database named by ``DATABASE_URL`` (a SQLite file under ``var/`` by default).
"""

from inventory.app import create_app
from inventory.repository import ProductRepository
from inventory.service import ProductService
from inventory.settings import Settings

__all__ = ["ProductRepository", "ProductService", "Settings", "create_app"]
