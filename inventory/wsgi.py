"""The application servers load: ``gunicorn inventory.wsgi:app``."""

from inventory.app import create_app

app = create_app()
