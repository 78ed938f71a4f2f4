"""gunicorn settings for running the inventory in production.

    gunicorn -c deploy/gunicorn.conf.py inventory.wsgi:app

Every setting can be overridden on the command line (``--bind``) or with
``GUNICORN_CMD_ARGS``. Put a reverse proxy (nginx, a load balancer) in front
for TLS and slow clients; bind to 0.0.0.0 only behind one.
"""

import multiprocessing
import os
import tempfile

bind = os.environ.get("BIND", "127.0.0.1:8000")
# The usual (2 x cores) + 1: while one worker waits on the database, another runs.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
threads = int(os.environ.get("THREADS", 4))
keepalive = 5  # seconds an idle keep-alive connection is held open
timeout = 30
graceful_timeout = 30  # on SIGTERM, in-flight requests get this long to finish
max_requests = 10_000  # recycle workers now and then, jittered so they don't all go at once
max_requests_jitter = 1_000
limit_request_line = 8190
limit_request_fields = 100
# Logs to standard output and error, for the service manager or container to collect.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn's control socket (for gunicornc), one per instance: without it every
# instance on the machine would share ~/.gunicorn/gunicorn.ctl.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET") or os.path.join(
    tempfile.gettempdir(), f"inventory-gunicorn-{os.getpid()}.ctl"
)


def post_worker_init(worker):
    """Run the application's startup (``@app.on_startup``) as each worker boots, after the
    fork and before it accepts a connection: its pool is open before traffic arrives,
    and a startup that fails is a worker boot error (exit status 3), on which gunicorn
    stops with "Worker failed to boot." instead of answering 500s. Shutdown runs as the
    worker exits (roob/lifespan.py)."""
    from roob.lifespan import start_process  # in the worker, where the application is

    start_process(worker.wsgi)
