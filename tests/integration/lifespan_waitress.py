"""lifespan_app under waitress, run the way docs/lifecycle.md shows: SIGTERM ends it
as Ctrl-C (SIGINT) does, so the shutdown functions run.

    python lifespan_waitress.py PORT
"""

from __future__ import annotations

import signal
import sys

import waitress
from lifespan_app import app


def main(port: int) -> None:
    # waitress leaves SIGTERM to Python's default, which ends the process on the spot;
    # raised as SystemExit in the main thread, it stops waitress as SIGINT does.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    waitress.serve(app, listen=f"127.0.0.1:{port}", threads=4)


if __name__ == "__main__":
    main(int(sys.argv[1]))
