"""The application: :func:`create_app` puts the routers, the error shape and the
database together."""

from __future__ import annotations

from examples.conduit import articles, comments, profiles, tags, users
from examples.conduit.auth import Tokens
from examples.conduit.database import Database
from examples.conduit.errors import realworld_error
from examples.conduit.settings import Settings
from roob import HTTPError, Roob, Router


class Conduit(Roob):
    """Roob, holding the database and the token signer that the dependencies reach as
    ``request.app`` (``get_db``, ``tokens``)."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(static_dir=None, title="Conduit API", version="1.1.0")
        self.settings = settings
        self.database = Database(settings.database_url)
        self.tokens = Tokens(settings.secret_key, settings.token_lifetime)


def api_router() -> Router:
    """RealWorld's API, whose paths start with ``/api``."""
    api = Router("/api")
    for module in (users, profiles, articles, comments, tags):
        api.include_router(module.router)
    api.include_router(articles.favorites_router)
    return api


def create_app(settings: Settings | None = None) -> Conduit:
    """The Conduit application; its settings from the environment unless given
    (:meth:`Settings.from_environ`). It creates the tables that are missing.

    Under gunicorn, build it once in the master with ``--preload`` (two workers
    creating the tables at once would race): each worker then drops the connections
    it inherited, at startup, and opens its own.
    """
    app = Conduit(settings or Settings.from_environ())
    app.add_exception_handler(HTTPError, realworld_error)
    app.include_router(api_router())
    app.add_api_docs()
    app.database.create_tables()
    app.on_startup(lambda: app.database.engine.dispose(close=False))
    return app
