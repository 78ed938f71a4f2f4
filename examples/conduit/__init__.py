"""The RealWorld "Conduit" API (https://github.com/gothinkster/realworld) on Roob.

Users and their tokens, profiles, articles, favourites, comments and tags, as
RealWorld's spec (``realworld/openapi.yml``) says, and as its own Postman collection
(``realworld/Conduit.postman_collection.json``) checks: ``tests/integration/test_conduit.py``
runs it with newman against this application under gunicorn.

The modules, in the order a request meets them:

- ``app``: :func:`create_app`, which builds the application from :class:`Settings`;
- ``auth``: the ``Authorization: Token <jwt>`` scheme, password hashes, and the
  ``current_user`` / ``optional_user`` dependencies;
- ``database``: the engine and the ``get_db`` dependency, one session per request;
- ``users``, ``profiles``, ``articles``, ``comments``, ``tags``: one router each;
- ``schemas``: the pydantic models of RealWorld's JSON, envelopes included;
- ``models``: the SQLAlchemy tables;
- ``errors``: RealWorld's error shape, ``{"errors": {"body": [...]}}``.

Serve it with ``CONDUIT_SECRET_KEY=... gunicorn 'examples.conduit.app:create_app()'``
(SQLite in ``conduit.sqlite3`` unless ``DATABASE_URL`` names another database).
"""
