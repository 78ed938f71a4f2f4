"""TechEmpower's six test types on Roob, Falcon, Flask and raw WSGI, on a real PostgreSQL.

    make bench-tfb                                   # python -m benchmarks.tfb
    python -m benchmarks.tfb --seconds 3 --rounds 1  # a short smoke

Each framework's app (``roob_app``, ``falcon_app``, ``flask_app``,
``wsgi_app``, each with a module-level WSGI ``app``) answers TechEmpower's
paths over the same database module (``db``) and the same template
(``templates/fortunes.html``). ``python -m benchmarks.tfb`` starts a
throwaway PostgreSQL (``database``), checks every answer of every app under
every server (``verify``: a wrong one stops the run) and only then loads them
with wrk. The endpoint contract is TechEmpower's; see docs/performance.md.
"""

from __future__ import annotations

__all__ = ["FRAMEWORKS", "TEST_TYPES"]

#: framework name -> the module of benchmarks.tfb that holds its ``app``, in table order.
FRAMEWORKS: dict[str, str] = {
    "roob": "roob_app",
    "falcon": "falcon_app",
    "flask": "flask_app",
    "raw-wsgi": "wsgi_app",
}

#: TechEmpower's test types and their paths.
TEST_TYPES: dict[str, str] = {
    "json": "/json",
    "plaintext": "/plaintext",
    "db": "/db",
    "queries": "/queries",
    "fortunes": "/fortunes",
    "updates": "/updates",
}
