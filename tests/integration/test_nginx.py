"""deploy/nginx.conf in front of gunicorn (deploy/gunicorn.conf.py): slow clients meet nginx.

50 idle sockets, 50 slowloris clients (a header byte a second) and 40 slow
POST bodies (a body byte a second) hold connections to nginx while a normal
client keeps asking for a product: every answer comes in under a second. The
same load against gunicorn alone holds all its workers' threads
(tests/integration/slow_clients.py; docs/security.md has the figures).
"""

from __future__ import annotations

import http.client
import json
import os
import time

import pytest

from tests.integration.slow_clients import SlowClients
from tests.nginx import Nginx, nginx_binary
from tests.servers import free_port, inventory_server

ATTACK_SECONDS = 6
PROBE_EVERY = 0.25
NORMAL_ANSWER_WITHIN = 1.0


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    if nginx_binary() is None:
        reason = "nginx is needed: apt-get install nginx"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("nginx")
    upstream, front = free_port(), free_port()
    env = {"DATABASE_URL": f"sqlite:///{folder / 'inventory.sqlite3'}"}
    with (
        inventory_server(folder, upstream, env),
        Nginx(listen=f"127.0.0.1:{front}", upstreams=[f"127.0.0.1:{upstream}"],
              folder=folder / "nginx"),
    ):  # fmt: skip
        yield front


def ask(port: int) -> tuple[int, float]:
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/api/products/1")
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    assert json.loads(body)["id"] == 1
    return response.status, time.monotonic() - started


def test_nginx_proxies_the_inventory(stack):
    assert ask(stack)[0] == 200


def test_slow_and_idle_clients_leave_normal_requests_answered_at_once(stack):
    answers = []
    with SlowClients("127.0.0.1", stack, idle=50, slowloris=50, slow_posts=40) as attack:
        deadline = time.monotonic() + ATTACK_SECONDS
        while time.monotonic() < deadline:
            attack.trickle()
            answers.append(ask(stack))
            time.sleep(PROBE_EVERY)
        assert attack.open_connections() >= 130  # nginx kept them waiting, not closed
    assert len(answers) >= ATTACK_SECONDS / (PROBE_EVERY + NORMAL_ANSWER_WITHIN)
    assert {status for status, _ in answers} == {200}
    assert max(seconds for _, seconds in answers) < NORMAL_ANSWER_WITHIN
