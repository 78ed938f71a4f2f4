"""gunicorn's settings for ``benchmarks.e2e``, given with ``-c`` to every framework's server.

Passed explicitly so that no settings file is picked up by chance (gunicorn
reads ``./gunicorn.conf.py`` when it finds one): the inventory's, now in
``deploy/``, has an access log and worker recycling (``max_requests``), which
were once measured instead of the frameworks (about a quarter of the requests
per second on the project's machine).
"""

workers = 2
worker_class = "gthread"
threads = 4
keepalive = 5  # seconds: wrk's connections are kept alive
loglevel = "warning"
accesslog = None
