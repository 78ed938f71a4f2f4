"""gunicorn's settings for ``benchmarks.e2e``, given with ``-c`` to every framework's server.

Passed explicitly because gunicorn started from the repository root otherwise
loads the inventory's ``gunicorn.conf.py``: its access log and its worker
recycling (``max_requests``) would be measured instead of the frameworks
(about a quarter of the requests per second on the project's machine).
"""

workers = 2
worker_class = "gthread"
threads = 4
keepalive = 5  # seconds: wrk's connections are kept alive
loglevel = "warning"
accesslog = None
