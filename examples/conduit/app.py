"""The application: :func:`create_app` puts the routers, the error shape and the
database together, and describes the API as RealWorld's ``openapi.yml`` does."""

from __future__ import annotations

from examples.conduit import articles, comments, profiles, tags, users
from examples.conduit.auth import Tokens
from examples.conduit.database import Database
from examples.conduit.errors import realworld_error
from examples.conduit.schemas import GenericErrorModel
from examples.conduit.settings import Settings
from roob import HTTPError, Roob, Router

#: RealWorld's tags, in the order its ``openapi.yml`` lists them.
TAGS = ("Articles", "Comments", "Favorites", "Profile", "Tags", "User and Authentication")


class Conduit(Roob):
    """Roob, holding the database and the token signer that the dependencies reach as
    ``request.app`` (``get_db``, ``tokens``).

    The OpenAPI document's settings are RealWorld's (``realworld/openapi.yml``'s
    ``info`` and ``tags``), but not its ``servers``: ``https://api.realworld.show/api``
    is RealWorld's own deployment. This application serves its API under ``/api`` on
    whatever host runs it, so its paths carry ``/api`` and the document names no
    server (OpenAPI's default, ``/``: the host the document was fetched from).
    """

    def __init__(self, settings: Settings) -> None:
        super().__init__(
            static_dir=None,
            title="RealWorld Conduit API",
            version="1.1.0",
            description="Conduit API documentation",
            contact={"name": "RealWorld", "url": "https://realworld-docs.netlify.app/"},
            license_info={"name": "MIT License", "url": "https://opensource.org/licenses/MIT"},
            openapi_tags=[{"name": tag} for tag in TAGS],
        )
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
    # Every error in RealWorld's shape, and documented so: every 4XX, the 422s, the 401s.
    app.add_exception_handler(HTTPError, realworld_error, response=GenericErrorModel)
    app.include_router(api_router())
    app.add_api_docs()
    app.database.create_tables()
    app.on_startup(lambda: app.database.engine.dispose(close=False))
    return app
